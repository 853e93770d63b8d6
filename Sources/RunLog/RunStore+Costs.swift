// What finished work cost, as the run log saw it: the seconds between a job's consecutive epochs
// (read by `exp plan` to estimate the time of new jobs of the same model and sizes).

import GRDB

extension RunStore {
    /// One measured epoch: the seconds between the coordinator's storing of a job's epoch and of
    /// the epoch before it (`metrics.recorded_at` of `accuracy.test`, which every model logs).
    public struct EpochInterval: Equatable, Sendable {
        public var experimentID: Int64
        public var modelName: String
        public var seconds: Double
        public init(experimentID: Int64, modelName: String, seconds: Double) {
            self.experimentID = experimentID
            self.modelName = modelName
            self.seconds = seconds
        }
    }

    /// The epochs the jobs of this log trained on `host` (a job with an attempt there; any host
    /// when nil; jobs copied from another are left out), each as the time since the job's epoch before it. Epochs sent
    /// again by a resumed worker (stored within milliseconds of each other) are left out.
    public func epochIntervals(host: String?) throws -> [EpochInterval] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT j.experiment_id, j.model_name,
                       (julianday(m.recorded_at) - julianday(p.recorded_at)) * 86400.0 AS seconds
                FROM metrics m
                JOIN metrics p ON p.job_id = m.job_id AND p.key = m.key AND p.epoch = m.epoch - 1 AND p.step = m.step - 1
                JOIN jobs j ON j.id = m.job_id
                WHERE m.key = 'accuracy.test' AND j.reused_from IS NULL
                  AND (? IS NULL OR EXISTS (SELECT 1 FROM attempts a WHERE a.job_id = j.id AND a.host = ?))
                """, arguments: [host, host])
                .compactMap { row in
                    let seconds: Double = try row.decode(forColumn: "seconds")
                    guard seconds > 0.01 else { return nil }
                    return EpochInterval(experimentID: try row.decode(forColumn: "experiment_id"),
                                         modelName: try row.decode(forColumn: "model_name"), seconds: seconds)
                }
        }
    }
}
