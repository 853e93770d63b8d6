// RunStore: the run log API. The coordinator is its only writer; `exp status` and `exp report`
// open it read-only, also while a run is going on. SQLite in WAL mode through a GRDB
// `DatabasePool`: readers never block the writer, and every connection waits (busy timeout)
// instead of failing with "database is locked". Writes use BEGIN IMMEDIATE so that a second
// process never has to upgrade a read lock.

import Foundation
import GRDB
import Spec

public final class RunStore: Sendable {
    public let path: String
    public let isReadOnly: Bool
    private let pool: DatabasePool
    private let onBusy: BusyReporter?
    /// Ends a write's wait for disk space (`stopWaitingForSpace`).
    private let stopWaits = StopFlag()
    /// The transaction of `inOneTransaction`, which the writes made inside it join.
    private let batch = OpenTransaction()

    /// How long a reading connection waits for a lock before giving up.
    public static let busyTimeout: TimeInterval = 30
    /// How long a write waits inside SQLite before it reports the wait (`BusyEvent`) and goes on
    /// trying with backoff: writes never give up on a lock.
    public static let writerBusyTimeout: TimeInterval = 5

    /// Opens (creating and migrating when needed) the run log at `path`, or opens an existing
    /// one read-only. A log written by a newer schema is refused before anything is written to it.
    /// A write that finds the log locked by another connection waits until the lock is released,
    /// telling `onBusy` when it starts and stops waiting.
    public init(path: String, readOnly: Bool = false, onBusy: BusyReporter? = nil) throws {
        self.path = path
        self.isReadOnly = readOnly
        self.onBusy = onBusy
        let exists = FileManager.default.fileExists(atPath: path)
        if readOnly && !exists { throw RunLogError.missing(path: path) }
        if !readOnly && !exists { try RunStore.checkFolderWritable(path: path) }
        if exists {
            try RunStore.checkHeader(path: path)
            try RunStore.checkSchema(path: path, readOnly: readOnly)
        }
        var config = Configuration()
        config.busyMode = .timeout(readOnly ? RunStore.busyTimeout : RunStore.writerBusyTimeout)
        config.readonly = readOnly
        config.label = "exp.runlog"
        if !readOnly {
            // The writer keeps up to 32 MB of the log's pages (SQLite's default: 2 MB). Thousands of
            // Slurm tasks' epochs land all over the metrics indexes each second; with the pages at
            // hand, a transaction reads none back from the file.
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -32768") }
        }
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            if !readOnly { try RunStore.patiently(path: path, onBusy: onBusy, stop: stopWaits) { try RunLogSchema.migrator.migrate(pool) } }
            self.pool = pool
        } catch let error as DatabaseError {
            throw RunLogError.notARunLog(path: path, reason: error.message ?? "\(error)")
        }
    }

    /// A write waiting for disk space gives up (throwing `RunLogError.diskFull`) instead of waiting on.
    public func stopWaitingForSpace() { stopWaits.set() }

    /// Closes the connections; the store cannot be used afterwards.
    public func close() throws { try pool.close() }

    /// A new log needs an existing folder that this process can write (for the file and its -wal
    /// and -shm companions).
    private static func checkFolderWritable(path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RunLogError.unwritable(path: path, reason: "the folder \(folder) does not exist or is not a folder")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw RunLogError.unwritable(path: path, reason: "the folder \(folder) is not writable")
        }
    }

    /// Checks the SQLite header without opening the file through SQLite, so nothing (not even a
    /// -wal file) is created for a file this build must refuse: the magic string, and the schema
    /// version `PRAGMA user_version` stores at byte offset 60 (big-endian).
    private static func checkHeader(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RunLogError.notARunLog(path: path, reason: "cannot be opened for reading")
        }
        defer { try? handle.close() }
        let header = [UInt8]((try? handle.read(upToCount: 100)) ?? Data())
        if header.isEmpty { return }
        guard header.count == 100, header.starts(with: Array("SQLite format 3\u{0}".utf8)) else {
            throw RunLogError.notARunLog(path: path, reason: "not an SQLite database")
        }
        let version = header[60..<64].reduce(0) { $0 << 8 | Int($1) }
        if version > RunLogSchema.version {
            throw RunLogError.newerSchema(path: path, found: version, supported: RunLogSchema.version, unknownMigrations: [])
        }
    }

    /// Checks that an existing database is a run log this build can use (this also sees a newer
    /// version still in the -wal file). It runs on a plain connection that only reads, before
    /// the pool is opened: opening a `DatabasePool` writes to the file (GRDB makes the WAL
    /// non-empty), and a read-write connection closing last removes the -wal file it opened.
    private static func checkSchema(path: String, readOnly: Bool) throws {
        var config = Configuration()
        config.readonly = readOnly
        config.busyMode = .timeout(busyTimeout)
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            try queue.inDatabase { db in try checkSchema(db, path: path, requireMigrated: readOnly) }
        } catch let error as DatabaseError {
            throw RunLogError.notARunLog(path: path, reason: error.message ?? "\(error)")
        }
    }

    private static func checkSchema(_ db: Database, path: String, requireMigrated: Bool) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        let hasMigrations = try db.tableExists("grdb_migrations")
        let applied = hasMigrations ? try RunLogSchema.migrator.appliedIdentifiers(db) : []
        let unknown = applied.subtracting(RunLogSchema.migrator.migrations).sorted()
        if version > RunLogSchema.version || !unknown.isEmpty {
            throw RunLogError.newerSchema(path: path, found: version, supported: RunLogSchema.version, unknownMigrations: unknown)
        }
        let tables = try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
        if !hasMigrations && !tables.isEmpty {
            throw RunLogError.notARunLog(path: path, reason: "it holds tables \(tables.sorted().joined(separator: ", ")) but no exp schema")
        }
        if requireMigrated && version < RunLogSchema.version {
            throw RunLogError.notARunLog(
                path: path, reason: "schema version \(version), expected \(RunLogSchema.version); open it once with `exp run` to upgrade")
        }
    }

    /// Makes every write of `body` in one transaction (one commit, one fsync): all of them or none.
    /// Waits for a lock or for disk space as a single write does, then runs `body` again whole.
    public func inOneTransaction(_ body: () throws -> Void) throws {
        try write { db in
            batch.enter(db)
            defer { batch.leave() }
            try body()
        }
    }

    func write<T>(_ updates: (Database) throws -> T) throws -> T {
        guard !isReadOnly else { throw RunLogError.readOnly(path: path) }
        if let db = batch.current { return try updates(db) }
        return try translatingErrors {
            try RunStore.patiently(path: path, onBusy: onBusy, stop: stopWaits) {
                if DiskSpace.injectedFull { throw DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full") }
                return try pool.writeWithoutTransaction { db in
                    var result: T?
                    try db.inTransaction(.immediate) {
                        result = try updates(db)
                        return .commit
                    }
                    return result!
                }
            }
        }
    }

    /// Runs `body` again, with backoff, for as long as it fails because another connection holds
    /// the lock, and after waiting for space (`DiskSpace`) for as long as it fails because the disk
    /// is full, until `stop` is set; other errors pass through. The transaction of a failed
    /// attempt was rolled back, so trying again writes everything once.
    private static func patiently<T>(path: String, onBusy: BusyReporter?, stop: StopFlag, backoff: Backoff = Backoff(),
                                     _ body: () throws -> T) throws -> T {
        var attempt = 0
        var started: Date?, full: Date?
        while true {
            let tried = Date()
            do {
                let result = try body()
                if let started { onBusy?(.resumed(path: path, seconds: Date().timeIntervalSince(started))) }
                if let full { onBusy?(.spaceReturned(path: path, seconds: Date().timeIntervalSince(full))) }
                return result
            } catch let error as DatabaseError where error.isBusy {
                if started == nil {
                    started = tried
                    onBusy?(.waiting(path: path, holder: LockHolder.describe(database: path)))
                }
                Thread.sleep(forTimeInterval: backoff.delay(attempt: attempt))
                attempt += 1
            } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
                if full == nil {
                    full = tried
                    onBusy?(.diskFull(path: path, message: DiskSpace.message(path, needed: 0)))
                }
                if !DiskSpace.waitForSpace(at: path, needed: 0, shouldStop: { stop.isSet }) { throw RunLogError.diskFull(path: path) }
            }
        }
    }

    func read<T>(_ query: (Database) throws -> T) throws -> T {
        try translatingErrors { try pool.read(query) }
    }

    /// SQLite errors, and values of the wrong type in a row (a log edited by hand), become
    /// `RunLogError.database` with the file name; others pass through.
    private func translatingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw RunLogError.database(path: path, message: "\(error.message ?? "SQLite error") (\(error.resultCode))")
        } catch let error as RowDecodingError {
            throw RunLogError.database(path: path, message: "a value of the wrong type: \(error)")
        }
    }

    /// Runs a read-only query, rows as column-name dictionaries: for this package's tests, which
    /// check the tables themselves (readers outside RunLog use the typed reads, `RunLogReads`).
    package func query(_ sql: String, arguments: [DatabaseValueConvertible?] = []) throws -> [[String: DatabaseValue]] {
        try read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                var dict: [String: DatabaseValue] = [:]
                for (column, value) in row { dict[column] = value }
                return dict
            }
        }
    }
}

/// The open transaction of `RunStore.inOneTransaction`, seen only by the thread that opened it.
private final class OpenTransaction: @unchecked Sendable {
    private let lock = NSLock()
    private var database: Database?
    private var thread: pthread_t?

    func enter(_ db: Database) {
        lock.lock()
        database = db
        thread = pthread_self()
        lock.unlock()
    }

    func leave() {
        lock.lock()
        database = nil
        thread = nil
        lock.unlock()
    }

    var current: Database? {
        lock.lock()
        defer { lock.unlock() }
        guard let thread, pthread_equal(thread, pthread_self()) != 0 else { return nil }
        return database
    }
}
