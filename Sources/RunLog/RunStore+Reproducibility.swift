// The run log's reproducibility records (schema v6): where every start of a job's worker ran and
// with which kernels (`attempts`), and jobs copied from an equal completed job (`reused_from`).

import Foundation
import GRDB
import Vocabulary

/// One start of a job's worker: the machine and kernels it computed with.
public struct AttemptRecord: Equatable, Sendable {
    public let jobID: Int64
    public let attempt: Int
    public let resumedFromEpoch: Int
    public let machine: MachineNumerics
    public let startedAt: String
}

extension RunStore {
    /// Records a worker's start (`attempt`: the job's attempt count; a worker that reports its start
    /// twice in one attempt, as a re-read Slurm messages file does, changes nothing).
    public func recordAttempt(jobID: Int64, resumedFromEpoch: Int, machine: MachineNumerics) throws {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO attempts (job_id, attempt, resumed_from_epoch, host, cpu_name, cpu_vendor, cpu_family, cpu_model,
                        widest_isa, blas_core, kernel_level, numerics_mode, numerics_version)
                    SELECT id, MAX(attempts, 1), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM jobs WHERE id = ?
                    ON CONFLICT (job_id, attempt) DO NOTHING
                    """,
                arguments: [resumedFromEpoch, machine.host, machine.cpuName, machine.cpuVendor, machine.cpuFamily, machine.cpuModel,
                            machine.widestISA, machine.blasCore, machine.kernelLevel, machine.mode.rawValue, machine.version, jobID])
        }
    }

    /// Every recorded start of a job's worker, oldest first.
    public func attempts(jobID: Int64) throws -> [AttemptRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM attempts WHERE job_id = ? ORDER BY attempt", arguments: [jobID]).map { row in
                AttemptRecord(
                    jobID: try row.decode(forColumn: "job_id"), attempt: try row.decode(forColumn: "attempt"),
                    resumedFromEpoch: try row.decode(forColumn: "resumed_from_epoch"),
                    machine: MachineNumerics(
                        mode: NumericsMode(rawValue: try row.decode(forColumn: "numerics_mode")) ?? .native,
                        version: try row.decode(forColumn: "numerics_version"), blasCore: try row.decode(forColumn: "blas_core"),
                        kernelLevel: try row.decode(forColumn: "kernel_level"), widestISA: try row.decode(forColumn: "widest_isa"),
                        cpuVendor: try row.decode(forColumn: "cpu_vendor"), cpuName: try row.decode(forColumn: "cpu_name"),
                        cpuFamily: try row.decode(forColumn: "cpu_family"), cpuModel: try row.decode(forColumn: "cpu_model"),
                        host: try row.decode(forColumn: "host")),
                    startedAt: try row.decode(forColumn: "started_at"))
            }
        }
    }

    /// The OpenBLAS kernel of the first recorded worker start of an experiment (what a `native`
    /// experiment's later jobs must compute with), nil before any.
    public func firstBLASCore(experimentID: Int64) throws -> String? {
        try read { db in
            try String.fetchOne(db, sql: """
                SELECT a.blas_core FROM attempts a JOIN jobs j ON j.id = a.job_id
                WHERE j.experiment_id = ? ORDER BY a.started_at, a.job_id LIMIT 1
                """, arguments: [experimentID])
        }
    }

    /// Sets each job's identity where it has none yet (`JobIdentity`).
    public func setJobHashes(_ hashes: [Int64: String]) throws {
        try write { db in
            for (id, hash) in hashes {
                try db.execute(sql: "UPDATE jobs SET job_hash = ? WHERE id = ? AND job_hash IS NULL", arguments: [hash, id])
            }
        }
    }

    /// Copies into each job of the experiment that never started a completed job with the same
    /// identity from elsewhere in the log (another experiment): its metrics, predictions and
    /// artifacts (the same files), its epochs, and `reused_from`; the job ends `completed`. A job
    /// that has started (its checkpoint may hold epochs) goes on training.
    /// Returns the reused jobs with the experiment name and id of their source.
    @discardableResult
    public func reuseCompletedJobs(experimentID: Int64) throws -> [(job: Int64, source: Int64, sourceExperiment: String)] {
        try write { db in
            let pairs = try Row.fetchAll(db, sql: """
                SELECT j.id AS job, (SELECT s.id FROM jobs s WHERE s.job_hash = j.job_hash AND s.status = 'completed'
                                       AND s.experiment_id <> j.experiment_id ORDER BY s.id LIMIT 1) AS source
                FROM jobs j WHERE j.experiment_id = ? AND j.status = 'pending' AND j.attempts = 0 AND j.job_hash IS NOT NULL
                """, arguments: [experimentID])
            var out: [(Int64, Int64, String)] = []
            for row in pairs {
                guard let source: Int64 = row["source"] else { continue }
                let job: Int64 = row["job"]
                try db.execute(sql: "DELETE FROM metrics WHERE job_id = ?", arguments: [job])
                try db.execute(sql: "DELETE FROM predictions WHERE job_id = ?", arguments: [job])
                try db.execute(sql: "DELETE FROM artifacts WHERE job_id = ?", arguments: [job])
                try db.execute(sql: """
                    INSERT INTO metrics (job_id, key, epoch, step, value, is_nan, recorded_at)
                    SELECT ?, key, epoch, step, value, is_nan, recorded_at FROM metrics WHERE job_id = ?
                    """, arguments: [job, source])
                try db.execute(sql: """
                    INSERT INTO predictions (job_id, epoch, sample_index, sample_id, subject, true_label, predicted_label, probabilities)
                    SELECT ?, epoch, sample_index, sample_id, subject, true_label, predicted_label, probabilities FROM predictions WHERE job_id = ?
                    """, arguments: [job, source])
                try db.execute(sql: """
                    INSERT INTO artifacts (job_id, kind, path, epoch, created_at)
                    SELECT ?, kind, path, epoch, created_at FROM artifacts WHERE job_id = ?
                    """, arguments: [job, source])
                try db.execute(sql: """
                    UPDATE jobs SET status = 'completed', reused_from = ?,
                        epochs_done = (SELECT epochs_done FROM jobs WHERE id = ?),
                        started_at = (SELECT started_at FROM jobs WHERE id = ?),
                        finished_at = (SELECT finished_at FROM jobs WHERE id = ?), error = NULL
                    WHERE id = ?
                    """, arguments: [source, source, source, source, job])
                let name = try String.fetchOne(db, sql: """
                    SELECT e.name FROM experiments e JOIN jobs s ON s.experiment_id = e.id WHERE s.id = ?
                    """, arguments: [source]) ?? "?"
                out.append((job, source, name))
            }
            return out
        }
    }

    /// Each job's identity (`jobs.job_hash`) in an experiment, for the jobs that have one.
    public func jobHashes(experimentID: Int64) throws -> [Int64: String] {
        try read { db in
            var out: [Int64: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, job_hash FROM jobs WHERE experiment_id = ? AND job_hash IS NOT NULL",
                                        arguments: [experimentID]) {
                out[row["id"]] = row["job_hash"]
            }
            return out
        }
    }
}
