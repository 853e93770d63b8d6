// The run log's jobs and their state machine: pending -> running -> completed | failed | diverged |
// interrupted (`JobStatus.successors`), resumes, and jobs a stopped coordinator left running.

import Foundation
import GRDB
import Spec

extension RunStore {
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

    static func jobs(_ db: Database, experimentID: Int64) throws -> [JobRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM jobs WHERE experiment_id = ? ORDER BY id", arguments: [experimentID]).map(job)
    }

    static func job(_ row: Row) throws -> JobRecord {
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

    static func transition(_ db: Database, jobID: Int64, to status: JobStatus, error: String?) throws {
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
}
