// What jobs produce, in the run log: per-epoch metrics (NaN-safe), test predictions, the files they
// wrote (artifacts) and every subject's fold.

import Foundation
import GRDB
import GRDBSQLite
import Spec

extension RunStore {
    /// Appends metric points in one transaction; a point already recorded at the same
    /// (key, epoch, step) is replaced, so replaying an epoch after a resume is harmless. When
    /// `epochsDone` is given the job's progress is raised to it in the same transaction.
    public func appendMetrics(jobID: Int64, _ points: [MetricPoint], epochsDone: Int? = nil) throws {
        // One time for the points of a call (as the column's default would give each of them,
        // computed once: thousands of Slurm tasks' epochs are thousands of rows a second).
        let recordedAt = RunLogSchema.timestamp()
        try write { db in
            // Up to 64 points a statement (one epoch's metrics in one step of SQLite).
            var start = 0
            while start < points.count {
                let chunk = points[start..<min(points.count, start + 64)]
                let statement = try db.cachedStatement(sql: RunStore.insertMetricsSQL[chunk.count])
                try RunStore.bindMetrics(statement, jobID: jobID, chunk, recordedAt: recordedAt)
                try statement.execute()
                start += chunk.count
            }
            if let epochsDone {
                try db.cachedStatement(sql: "UPDATE jobs SET epochs_done = max(epochs_done, ?) WHERE id = ?")
                    .execute(arguments: [epochsDone, jobID])
            }
        }
    }

    /// Binds the 7 values of each point (job, key, epoch, step, value or NULL for NaN, is_nan,
    /// time) to `insertMetricsSQL[points.count]` through SQLite's own calls: the values GRDB's
    /// `StatementArguments` would make (integers, text, a real; NaN as NULL with is_nan 1), without
    /// an array of boxed values per row, which was most of the cost of a row at thousands of
    /// Slurm tasks' epochs a second.
    static func bindMetrics(_ statement: Statement, jobID: Int64, _ points: ArraySlice<MetricPoint>, recordedAt: String) throws {
        // Resets the statement and clears the bindings of its last use; the values are bound below.
        statement.setUncheckedArguments(StatementArguments())
        let handle = statement.sqliteStatement
        var code = SQLITE_OK
        func check(_ result: Int32) { if code == SQLITE_OK { code = result } }
        var index: Int32 = 1
        for point in points {
            let nan = point.value.isNaN
            check(sqlite3_bind_int64(handle, index, jobID))
            check(point.key.withCString { sqlite3_bind_text(handle, index + 1, $0, -1, sqliteTransient) })
            check(sqlite3_bind_int64(handle, index + 2, Int64(point.epoch)))
            check(sqlite3_bind_int64(handle, index + 3, Int64(point.step)))
            check(nan ? sqlite3_bind_null(handle, index + 4) : sqlite3_bind_double(handle, index + 4, point.value))
            check(sqlite3_bind_int64(handle, index + 5, nan ? 1 : 0))
            check(recordedAt.withCString { sqlite3_bind_text(handle, index + 6, $0, -1, sqliteTransient) })
            index += 7
        }
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot bind the metric values", sql: statement.sql)
        }
    }

    /// The insert of n metric rows in one statement, for n in 1...64 (index n; made once, so a
    /// line's statement is found in GRDB's cache without building its text).
    static let insertMetricsSQL: [String] = (0...64).map { n in
        "INSERT OR REPLACE INTO metrics (job_id, key, epoch, step, value, is_nan, recorded_at) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: n).joined(separator: ", ")
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

    static func insertPredictions(_ db: Database, jobID: Int64, epoch: Int, _ predictions: [Prediction]) throws {
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
}

/// SQLite's destructor value that makes it copy bound text at once (`SQLITE_TRANSIENT` in C).
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
