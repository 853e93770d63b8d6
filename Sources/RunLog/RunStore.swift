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
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            if !readOnly { try RunStore.patiently(path: path, onBusy: onBusy) { try RunLogSchema.migrator.migrate(pool) } }
            self.pool = pool
        } catch let error as DatabaseError {
            throw RunLogError.notARunLog(path: path, reason: error.message ?? "\(error)")
        }
    }

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

    func write<T>(_ updates: (Database) throws -> T) throws -> T {
        guard !isReadOnly else { throw RunLogError.readOnly(path: path) }
        return try translatingErrors {
            try RunStore.patiently(path: path, onBusy: onBusy) {
                try pool.writeWithoutTransaction { db in
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
    /// the lock; other errors pass through. The transaction of a failed attempt was rolled back,
    /// so trying again writes everything once.
    private static func patiently<T>(path: String, onBusy: BusyReporter?, backoff: Backoff = Backoff(), _ body: () throws -> T) throws -> T {
        var attempt = 0
        var started: Date?
        while true {
            let tried = Date()
            do {
                let result = try body()
                if let started { onBusy?(.resumed(path: path, seconds: Date().timeIntervalSince(started))) }
                return result
            } catch let error as DatabaseError where error.isBusy {
                if started == nil {
                    started = tried
                    onBusy?(.waiting(path: path, holder: LockHolder.describe(database: path)))
                }
                Thread.sleep(forTimeInterval: backoff.delay(attempt: attempt))
                attempt += 1
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

    // MARK: Experiments

    /// Registers an experiment, or finds it when its spec hash is already there (the stored
    /// provenance is then kept). `classNames` name the labels in order; by default those of the
    /// spec's class set. Returns its id and whether it was created now.
    @discardableResult
    public func registerExperiment(_ spec: LoadedSpec, provenance: Provenance, classNames: [String]? = nil) throws -> (id: Int64, created: Bool) {
        let classNames = classNames ?? spec.spec.dataset.classes.names
        return try write { db in
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM experiments WHERE spec_hash = ?", arguments: [spec.hash]) {
                return (id, false)
            }
            let overrides = try String(decoding: JSONEncoder().encode(spec.overrides), as: UTF8.self)
            try db.execute(
                sql: """
                    INSERT INTO experiments (name, spec_hash, spec_json, spec_version, overrides_json, table_name,
                        dataset_kind, tool_version, git_commit, git_dirty, os, cpu, blas_config, blas_threads, dataset_fingerprint,
                        face_alignment, numerics_mode, numerics_version, machine_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    spec.spec.name, spec.hash, spec.canonicalJSON, spec.spec.specVersion, overrides,
                    spec.spec.table.rawValue, spec.spec.dataset.kind.rawValue, provenance.toolVersion,
                    provenance.gitCommit, provenance.gitDirty, provenance.os, provenance.cpu, provenance.blasConfig,
                    provenance.blasThreads, provenance.datasetFingerprint, provenance.faceAlignment,
                    spec.spec.numerics.mode.rawValue, spec.spec.numerics.version, provenance.machine,
                ])
            let id = db.lastInsertedRowID
            for (label, name) in classNames.enumerated() {
                try db.execute(sql: "INSERT INTO labels (experiment_id, label, name) VALUES (?, ?, ?)", arguments: [id, label, name])
            }
            return (id, true)
        }
    }

    /// All experiments, oldest first.
    public func experiments() throws -> [ExperimentRecord] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM experiments ORDER BY id").map(RunStore.experiment) }
    }

    /// The experiment with this hash (or a unique hash prefix of 6+ characters), or the latest
    /// one with this name.
    public func experiment(matching key: String) throws -> ExperimentRecord {
        try read { db in
            // A name first; else a spec-hash prefix of 4 or more characters naming one experiment.
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM experiments WHERE name = ? ORDER BY id DESC LIMIT 1", arguments: [key]) {
                return try RunStore.experiment(row)
            }
            let byHash = key.count >= 4
                ? try Row.fetchAll(db, sql: "SELECT * FROM experiments WHERE spec_hash LIKE ? || '%'", arguments: [key.lowercased()]) : []
            if byHash.count == 1 { return try RunStore.experiment(byHash[0]) }
            let known = try Row.fetchAll(db, sql: "SELECT name, spec_hash FROM experiments ORDER BY id").map { row -> String in
                let hash: String = row["spec_hash"]
                return "\(row["name"] as String) (\(hash.prefix(12)))"
            }
            throw RunLogError.unknownExperiment(key, known: known)
        }
    }

    private static func experiment(_ row: Row) throws -> ExperimentRecord {
        let overridesText: String = try row.decode(forColumn: "overrides_json")
        let overrides = (try? JSONDecoder().decode([String].self, from: Data(overridesText.utf8))) ?? []
        return ExperimentRecord(
            id: try row.decode(forColumn: "id"), name: try row.decode(forColumn: "name"), specHash: try row.decode(forColumn: "spec_hash"), specJSON: try row.decode(forColumn: "spec_json"),
            tableName: try row.decode(forColumn: "table_name"), datasetKind: try row.decode(forColumn: "dataset_kind"), createdAt: try row.decode(forColumn: "created_at"), overrides: overrides,
            provenance: Provenance(
                toolVersion: try row.decode(forColumn: "tool_version"), gitCommit: try row.decode(forColumn: "git_commit"), gitDirty: try row.decode(forColumn: "git_dirty"), os: try row.decode(forColumn: "os"),
                cpu: try row.decode(forColumn: "cpu"), blasConfig: try row.decode(forColumn: "blas_config"), blasThreads: try row.decode(forColumn: "blas_threads"),
                datasetFingerprint: try row.decode(forColumn: "dataset_fingerprint"),
                faceAlignment: try row.decode(forColumn: "face_alignment"), machine: row["machine_json"]),
            numerics: (row["numerics_mode"] as String?).flatMap { mode in (row["numerics_version"] as Int?).map { "\(mode) v\($0)" } })
    }

    // MARK: Jobs

    /// Inserts the planned jobs that are not there yet (existing ones keep their status) and
    /// returns every job of the experiment in plan order.
    @discardableResult
    public func upsertJobs(experimentID: Int64, _ jobs: [JobKey]) throws -> [JobRecord] {
        try write { db in
            for job in jobs {
                try db.execute(
                    sql: """
                        INSERT INTO jobs (experiment_id, model_name, model_kind, run, fold, seed, epochs_planned)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (experiment_id, model_name, run, fold) DO NOTHING
                        """,
                    arguments: [experimentID, job.modelName, job.modelKind.rawValue, job.run, job.fold, Int64(job.seed), job.epochs])
            }
            return try RunStore.jobs(db, experimentID: experimentID)
        }
    }

    /// Jobs of an experiment, ordered by id (plan order).
    public func jobs(experimentID: Int64) throws -> [JobRecord] {
        try read { db in try RunStore.jobs(db, experimentID: experimentID) }
    }

    public func job(id: Int64) throws -> JobRecord {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE id = ?", arguments: [id]) else {
                throw RunLogError.unknownJob(jobID: id)
            }
            return try RunStore.job(row)
        }
    }

    private static func jobs(_ db: Database, experimentID: Int64) throws -> [JobRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM jobs WHERE experiment_id = ? ORDER BY id", arguments: [experimentID]).map(job)
    }

    private static func job(_ row: Row) throws -> JobRecord {
        let seed: Int64 = try row.decode(forColumn: "seed")
        let status: String = try row.decode(forColumn: "status")
        return JobRecord(
            id: try row.decode(forColumn: "id"), experimentID: try row.decode(forColumn: "experiment_id"), modelName: try row.decode(forColumn: "model_name"), modelKind: try row.decode(forColumn: "model_kind"),
            run: try row.decode(forColumn: "run"), fold: try row.decode(forColumn: "fold"), seed: UInt64(bitPattern: seed), status: JobStatus(rawValue: status) ?? .failed,
            attempts: try row.decode(forColumn: "attempts"), epochsPlanned: try row.decode(forColumn: "epochs_planned"), epochsDone: try row.decode(forColumn: "epochs_done"),
            startedAt: try row.decode(forColumn: "started_at"), finishedAt: try row.decode(forColumn: "finished_at"), error: try row.decode(forColumn: "error"))
    }

    /// Moves a job to `status` if the lifecycle allows it. Going to running counts an attempt,
    /// sets started_at and clears the error; a final status sets finished_at; `error` is stored
    /// for failed, diverged and interrupted jobs.
    public func transition(jobID: Int64, to status: JobStatus, error: String? = nil) throws {
        try write { db in try RunStore.transition(db, jobID: jobID, to: status, error: error) }
    }

    private static func transition(_ db: Database, jobID: Int64, to status: JobStatus, error: String?) throws {
        guard let current = try String.fetchOne(db, sql: "SELECT status FROM jobs WHERE id = ?", arguments: [jobID]),
            let from = JobStatus(rawValue: current)
        else { throw RunLogError.unknownJob(jobID: jobID) }
        guard from.successors.contains(status) else {
            throw RunLogError.illegalTransition(jobID: jobID, from: from, to: status)
        }
        switch status {
        case .running:
            try db.execute(
                sql: "UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = \(RunLogSchema.now), finished_at = NULL, error = NULL WHERE id = ?",
                arguments: [jobID])
        default:
            try db.execute(
                sql: "UPDATE jobs SET status = ?, finished_at = \(RunLogSchema.now), error = ? WHERE id = ?",
                arguments: [status.rawValue, error, jobID])
        }
    }

    /// A worker resumed from the checkpoint of `fromEpoch` (0: from scratch): metrics of later
    /// epochs, left by an attempt that died before its next checkpoint, are dropped since the
    /// worker recomputes them, and the progress is set back to `fromEpoch`.
    public func resume(jobID: Int64, fromEpoch: Int) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM metrics WHERE job_id = ? AND epoch > ?", arguments: [jobID, fromEpoch])
            try db.execute(sql: "UPDATE jobs SET epochs_done = ? WHERE id = ?", arguments: [fromEpoch, jobID])
        }
    }

    /// Ends a job in one transaction: its status (validated like `transition`), its error text,
    /// and its test predictions stored at the job's last finished epoch.
    public func finish(jobID: Int64, status: JobStatus, error: String? = nil, predictions: [Prediction] = []) throws {
        try write { db in
            try RunStore.transition(db, jobID: jobID, to: status, error: error)
            if !predictions.isEmpty {
                let epoch = try Int.fetchOne(db, sql: "SELECT epochs_done FROM jobs WHERE id = ?", arguments: [jobID]) ?? 0
                try RunStore.insertPredictions(db, jobID: jobID, epoch: epoch, predictions)
            }
        }
    }

    /// Marks the experiment's jobs left `running` by a coordinator that died as `interrupted`;
    /// returns how many there were. Call before starting workers. Jobs whose last execution was
    /// handed to a scheduler (`executions.executor` other than `local`) are left alone: their
    /// tasks go on without the coordinator, and the next coordinator attaches to them.
    @discardableResult
    public func interruptStaleJobs(experimentID: Int64, reason: String = "the coordinator stopped while the job was running") throws -> Int {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET status = 'interrupted', finished_at = \(RunLogSchema.now), error = ?
                    WHERE experiment_id = ? AND status = 'running'
                      AND id NOT IN (SELECT job_id FROM executions WHERE executor <> 'local')
                    """,
                arguments: [reason, experimentID])
            return db.changesCount
        }
    }

    // MARK: Metrics, predictions, artifacts, folds

    /// Appends metric points in one transaction; a point already recorded at the same
    /// (key, epoch, step) is replaced, so replaying an epoch after a resume is harmless. When
    /// `epochsDone` is given the job's progress is raised to it in the same transaction.
    public func appendMetrics(jobID: Int64, _ points: [MetricPoint], epochsDone: Int? = nil) throws {
        try write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO metrics (job_id, key, epoch, step, value, is_nan) VALUES (?, ?, ?, ?, ?, ?)")
            for point in points {
                try statement.execute(arguments: [jobID, point.key, point.epoch, point.step, point.value.isNaN ? nil : point.value, point.value.isNaN])
            }
            if let epochsDone {
                try db.execute(sql: "UPDATE jobs SET epochs_done = max(epochs_done, ?) WHERE id = ?", arguments: [epochsDone, jobID])
            }
        }
    }

    /// Records one finished epoch: each metric at step = epoch, and the job's progress.
    public func recordEpoch(jobID: Int64, epoch: Int, metrics: [String: Double]) throws {
        let points = metrics.sorted { $0.key < $1.key }.map { MetricPoint(key: $0.key, epoch: epoch, step: epoch, value: $0.value) }
        try appendMetrics(jobID: jobID, points, epochsDone: epoch)
    }

    /// Metric points of a job, by key, epoch and step.
    public func metrics(jobID: Int64) throws -> [MetricPoint] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT key, epoch, step, value, is_nan FROM metrics WHERE job_id = ? ORDER BY key, epoch, step", arguments: [jobID])
                .map { row in
                    let isNaN: Bool = try row.decode(forColumn: "is_nan")
                    let value: Double? = try row.decode(forColumn: "value")
                    return MetricPoint(key: try row.decode(forColumn: "key"), epoch: try row.decode(forColumn: "epoch"), step: try row.decode(forColumn: "step"), value: isNaN ? .nan : value ?? .nan)
                }
        }
    }

    /// Writes a job's test predictions at `epoch`, replacing any written before at that epoch.
    public func writePredictions(jobID: Int64, epoch: Int, _ predictions: [Prediction]) throws {
        try write { db in try RunStore.insertPredictions(db, jobID: jobID, epoch: epoch, predictions) }
    }

    private static func insertPredictions(_ db: Database, jobID: Int64, epoch: Int, _ predictions: [Prediction]) throws {
        try db.execute(sql: "DELETE FROM predictions WHERE job_id = ? AND epoch = ?", arguments: [jobID, epoch])
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO predictions (job_id, epoch, sample_index, sample_id, subject, true_label, predicted_label, probabilities)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for p in predictions {
            try statement.execute(arguments: [
                jobID, epoch, p.sampleIndex, p.sampleID, p.subject, p.trueLabel, p.predictedLabel, RunStore.jsonArray(p.probabilities),
            ])
        }
    }

    /// The predictions of a job at its latest evaluated epoch.
    public func finalPredictions(jobID: Int64) throws -> [Prediction] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM final_predictions WHERE job_id = ? ORDER BY sample_index", arguments: [jobID]
            ).map { row in
                let text: String = try row.decode(forColumn: "probabilities")
                return Prediction(
                    sampleIndex: try row.decode(forColumn: "sample_index"), sampleID: try row.decode(forColumn: "sample_id"), subject: try row.decode(forColumn: "subject"), trueLabel: try row.decode(forColumn: "true_label"),
                    predictedLabel: try row.decode(forColumn: "predicted_label"), probabilities: RunStore.parseArray(text))
            }
        }
    }

    /// Probabilities as a JSON array; NaN (a diverged model) is written as null.
    static func jsonArray(_ values: [Double]) -> String {
        "[" + values.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",") + "]"
    }

    static func parseArray(_ text: String) -> [Double] {
        guard case .array(let items)? = try? JSONParser.parse(text) else { return [] }
        return items.map { item in
            switch item {
            case .integer(let i): Double(i)
            case .number(let d): d
            default: .nan
            }
        }
    }

    /// Records a file produced by a job (kind e.g. "checkpoint", "samples"); re-recording the same
    /// (job, kind, path) updates its epoch and time.
    public func recordArtifact(jobID: Int64, kind: String, path: String, epoch: Int?) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO artifacts (job_id, kind, path, epoch) VALUES (?, ?, ?, ?)
                    ON CONFLICT (job_id, kind, path) DO UPDATE SET epoch = excluded.epoch, created_at = \(RunLogSchema.now)
                    """,
                arguments: [jobID, kind, path, epoch])
        }
    }

    public func artifacts(jobID: Int64) throws -> [ArtifactRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM artifacts WHERE job_id = ? ORDER BY created_at, path", arguments: [jobID]).map { row in
                ArtifactRecord(jobID: try row.decode(forColumn: "job_id"), kind: try row.decode(forColumn: "kind"), path: try row.decode(forColumn: "path"), epoch: try row.decode(forColumn: "epoch"), createdAt: try row.decode(forColumn: "created_at"))
            }
        }
    }

    /// Records the fold of every subject in a run. Recording the same assignment again is a
    /// no-op; a subject moved to another fold is an error (the data or the split changed).
    public func recordFoldAssignments(experimentID: Int64, run: Int, _ folds: [String: Int]) throws {
        try write { db in
            for (subject, fold) in folds.sorted(by: { $0.key < $1.key }) {
                if let stored = try Int.fetchOne(
                    db, sql: "SELECT fold FROM fold_assignments WHERE experiment_id = ? AND run = ? AND subject = ?",
                    arguments: [experimentID, run, subject])
                {
                    if stored != fold {
                        throw RunLogError.foldAssignmentConflict(experimentID: experimentID, run: run, subject: subject, stored: stored, new: fold)
                    }
                } else {
                    try db.execute(
                        sql: "INSERT INTO fold_assignments (experiment_id, run, subject, fold) VALUES (?, ?, ?, ?)",
                        arguments: [experimentID, run, subject, fold])
                }
            }
        }
    }

    public func foldAssignments(experimentID: Int64, run: Int) throws -> [String: Int] {
        try read { db in
            var result: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT subject, fold FROM fold_assignments WHERE experiment_id = ? AND run = ?", arguments: [experimentID, run]) {
                result[try row.decode(forColumn: "subject")] = try row.decode(forColumn: "fold")
            }
            return result
        }
    }

    // MARK: Status

    /// Counts by status and each job's progress with its latest metrics, for `exp status`.
    public func statusSummary(experimentID: Int64) throws -> StatusSummary {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM experiments WHERE id = ?", arguments: [experimentID]) else {
                throw RunLogError.unknownExperiment(String(experimentID), known: [])
            }
            let jobs = try RunStore.jobs(db, experimentID: experimentID)
            var latest: [Int64: [String: Double]] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    WITH latest AS (
                        SELECT j.id AS job_id, (SELECT MAX(epoch) FROM metrics WHERE job_id = j.id) AS epoch
                        FROM jobs j WHERE j.experiment_id = ?)
                    SELECT m.job_id, m.key, m.value, m.is_nan
                    FROM latest JOIN metrics m ON m.job_id = latest.job_id AND m.epoch = latest.epoch
                    ORDER BY m.step
                    """,
                arguments: [experimentID])
            for r in rows {
                let isNaN: Bool = try r.decode(forColumn: "is_nan")
                let value: Double? = try r.decode(forColumn: "value")
                latest[try r.decode(forColumn: "job_id"), default: [:]][try r.decode(forColumn: "key")] = isNaN ? .nan : value ?? .nan
            }
            var counts: [JobStatus: Int] = [:]
            for job in jobs { counts[job.status, default: 0] += 1 }
            return StatusSummary(
                experiment: try RunStore.experiment(row), counts: counts,
                jobs: jobs.map { JobProgress(job: $0, latestMetrics: latest[$0.id] ?? [:]) })
        }
    }

    /// Runs a read-only query (for reports and tests); rows as column-name dictionaries.
    public func query(_ sql: String, arguments: [DatabaseValueConvertible?] = []) throws -> [[String: DatabaseValue]] {
        try read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                var dict: [String: DatabaseValue] = [:]
                for (column, value) in row { dict[column] = value }
                return dict
            }
        }
    }
}
