// The status summary of an experiment: its jobs with their latest metrics, counts and epochs.

import Foundation
import GRDB
import Spec

extension RunStore {
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
}
