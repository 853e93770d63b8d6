// BusyWait: what a writer of the run log does when another connection holds its write lock past
// SQLite's busy timeout (a user's `sqlite3` session inside BEGIN IMMEDIATE, a backup tool): it
// waits and tries again, with backoff, for as long as the lock is held, instead of failing the
// run. It says once per wait who holds the lock, when Linux's /proc/locks can tell.

import Foundation
import GRDB

/// What a waiting writer reports.
public enum BusyEvent: Sendable, Equatable {
    /// The write lock is held by someone else; `holder` names the process when it can be found.
    case waiting(path: String, holder: String?)
    /// The lock was released after `seconds` of waiting; the write went through.
    case resumed(path: String, seconds: Double)
    /// The run log's filesystem is full (`DiskSpace.message` says which and how much is free):
    /// the write waits for space.
    case diskFull(path: String, message: String)
    /// Space returned after `seconds`; the write went through.
    case spaceReturned(path: String, seconds: Double)
}

/// A flag one thread sets and others read: a run asked to stop (a worker's Ctrl-C, the end of a
/// store's waits for disk space).
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    public init() {}
    public func set() { lock.lock(); value = true; lock.unlock() }
    public var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

public typealias BusyReporter = @Sendable (BusyEvent) -> Void

/// Seconds between attempts: doubling from `first` up to `longest`.
struct Backoff {
    var first = 0.25
    var longest = 4.0
    func delay(attempt: Int) -> Double { min(longest, first * pow(2, Double(min(attempt, 30)))) }
}

extension DatabaseError {
    /// The database (or a table of it) is locked by another connection.
    var isBusy: Bool { resultCode == .SQLITE_BUSY || resultCode == .SQLITE_LOCKED }
}

enum LockHolder {
    /// "pid 1234 (sqlite3)" for the other processes holding a POSIX lock on the database file or
    /// its -shm file (where SQLite keeps its WAL locks), or nil when none can be found.
    static func describe(database path: String) -> String? {
        let inodes = Set([path, path + "-shm"].compactMap { p -> UInt64? in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: p) else { return nil }
            return (attributes[.systemFileNumber] as? NSNumber)?.uint64Value
        })
        guard !inodes.isEmpty, let text = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        let me = getpid()
        var pids: [Int32] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            // "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 120 120"; blocked waiters carry "->".
            guard fields.count >= 6, !fields.contains("->"), fields[1] == "POSIX" || fields[1] == "OFDLCK",
                  let pid = Int32(fields[4]), pid > 0, pid != me,
                  let inode = fields[5].split(separator: ":").last.flatMap({ UInt64($0) }), inodes.contains(inode),
                  !pids.contains(pid)
            else { continue }
            pids.append(pid)
        }
        guard !pids.isEmpty else { return nil }
        return pids.sorted().map { pid in
            let name = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return name.map { "pid \(pid) (\($0))" } ?? "pid \(pid)"
        }.joined(separator: ", ")
    }
}
