// The `executions` table (schema v3): where and how each job last ran, written by the
// coordinator as its executor reports it (a local worker's host; a Slurm task's submission, array
// job and index, node, requeues, state, reason and exit code).

import GRDB

extension RunStore {
    /// Records the job's current execution, replacing the one recorded before.
    public func recordExecution(jobID: Int64, _ e: ExecutionRecord) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO executions (job_id, executor, submission, array_job_id, array_index, node, requeues, state, reason, exit_code)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (job_id) DO UPDATE SET executor = excluded.executor, submission = excluded.submission,
                        array_job_id = excluded.array_job_id, array_index = excluded.array_index, node = excluded.node,
                        requeues = excluded.requeues, state = excluded.state, reason = excluded.reason,
                        exit_code = excluded.exit_code, updated_at = \(RunLogSchema.now)
                    """,
                arguments: [jobID, e.executor, e.submission, e.arrayJobID, e.arrayIndex, e.node, e.requeues, e.state, e.reason, e.exitCode])
        }
    }

    /// The recorded execution of every job of the experiment that has one, by job id.
    public func executions(experimentID: Int64) throws -> [Int64: ExecutionRecord] {
        try read { db in
            var out: [Int64: ExecutionRecord] = [:]
            let rows = try Row.fetchAll(
                db, sql: "SELECT e.* FROM executions e JOIN jobs j ON j.id = e.job_id WHERE j.experiment_id = ?", arguments: [experimentID])
            for row in rows { out[try row.decode(forColumn: "job_id")] = try RunStore.execution(row) }
            return out
        }
    }

    /// The recorded execution of one job, nil when it has none.
    /// The recorded executions of these jobs (of those that have one), by job id, in one query per
    /// 500 jobs.
    public func executions(jobIDs: [Int64]) throws -> [Int64: ExecutionRecord] {
        try read { db in
            var out: [Int64: ExecutionRecord] = [:]
            for start in stride(from: 0, to: jobIDs.count, by: 500) {
                let chunk = Array(jobIDs[start..<min(start + 500, jobIDs.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                for row in try Row.fetchAll(db, sql: "SELECT * FROM executions WHERE job_id IN (\(marks))", arguments: StatementArguments(chunk)) {
                    out[try row.decode(forColumn: "job_id")] = try RunStore.execution(row)
                }
            }
            return out
        }
    }

    public func execution(jobID: Int64) throws -> ExecutionRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM executions WHERE job_id = ?", arguments: [jobID]).map(RunStore.execution)
        }
    }

    private static func execution(_ row: Row) throws -> ExecutionRecord {
        ExecutionRecord(
            executor: try row.decode(forColumn: "executor"), submission: try row.decode(forColumn: "submission"),
            arrayJobID: try row.decode(forColumn: "array_job_id"), arrayIndex: try row.decode(forColumn: "array_index"),
            node: try row.decode(forColumn: "node"), requeues: try row.decode(forColumn: "requeues"), state: try row.decode(forColumn: "state"),
            reason: try row.decode(forColumn: "reason"), exitCode: try row.decode(forColumn: "exit_code"),
            updatedAt: try row.decode(forColumn: "updated_at"))
    }
}
