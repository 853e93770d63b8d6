// The `tunes`, `tune_trials` and `tune_rungs` tables (schema v8): what `exp tune` tried, on which
// experiment each trial trained, and each trial's validation score at every rung it reached.

import Foundation
import GRDB

/// A tune: its identity, name, spec file and options (JSON, as `exp tune` states them).
public struct TuneRecord: Equatable, Sendable {
    public let id: Int64
    public let hash: String
    public let name: String
    public let specPath: String
    public let optionsJSON: String
    public let createdAt: String
}

/// One trial of a tune: the model it tunes, its index among that model's trials, its values
/// (`key=value`, as the trial's spec takes them) and the experiment that trains it.
public struct TuneTrialRecord: Equatable, Sendable {
    public let id: Int64
    public let modelName: String
    public let trial: Int
    public let assignments: [String]
    public let experimentID: Int64
    /// The model's choice (set when the tune has finished).
    public let chosen: Bool
    /// Score by rung, for the rungs it reached (nil: a job of it diverged or failed there).
    public var rungs: [Int: TuneRungRecord]
}

public struct TuneRungRecord: Equatable, Sendable {
    public let rung: Int
    public let epochs: Int
    public let score: Double?
    public let promoted: Bool

    public init(rung: Int, epochs: Int, score: Double?, promoted: Bool) {
        self.rung = rung
        self.epochs = epochs
        self.score = score
        self.promoted = promoted
    }
}

extension RunStore {
    /// Records a tune, or finds it by its hash; returns its id.
    public func registerTune(hash: String, name: String, specPath: String, optionsJSON: String) throws -> Int64 {
        try write { db in
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM tunes WHERE tune_hash = ?", arguments: [hash]) { return id }
            try db.execute(sql: "INSERT INTO tunes (tune_hash, name, spec_path, options_json) VALUES (?, ?, ?, ?)",
                           arguments: [hash, name, specPath, optionsJSON])
            return db.lastInsertedRowID
        }
    }

    /// Records a trial (or finds it); returns its id.
    public func registerTrial(tuneID: Int64, modelName: String, trial: Int, assignments: [String], experimentID: Int64) throws -> Int64 {
        let json = String(decoding: try JSONEncoder().encode(assignments), as: UTF8.self)
        return try write { db in
            try db.execute(sql: """
                INSERT INTO tune_trials (tune_id, model_name, trial, assignments_json, experiment_id) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (tune_id, model_name, trial) DO NOTHING
                """, arguments: [tuneID, modelName, trial, json, experimentID])
            return try Int64.fetchOne(db, sql: "SELECT id FROM tune_trials WHERE tune_id = ? AND model_name = ? AND trial = ?",
                                      arguments: [tuneID, modelName, trial])!
        }
    }

    /// Records scores and promotions (rows already there are updated to the same values: the
    /// decisions are a function of the scores).
    public func recordRungs(_ rungs: [(trialID: Int64, rung: TuneRungRecord)]) throws {
        guard !rungs.isEmpty else { return }
        try write { db in
            for (trialID, r) in rungs {
                try db.execute(sql: """
                    INSERT INTO tune_rungs (trial_id, rung, epochs, score, promoted) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (trial_id, rung) DO UPDATE SET epochs = excluded.epochs, score = excluded.score, promoted = excluded.promoted
                    """, arguments: [trialID, r.rung, r.epochs, r.score, r.promoted ? 1 : 0])
            }
        }
    }

    /// All tunes, oldest first.
    public func tunes() throws -> [TuneRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tunes ORDER BY id").map { row in
                TuneRecord(id: try row.decode(forColumn: "id"), hash: try row.decode(forColumn: "tune_hash"),
                           name: try row.decode(forColumn: "name"), specPath: try row.decode(forColumn: "spec_path"),
                           optionsJSON: try row.decode(forColumn: "options_json"), createdAt: try row.decode(forColumn: "created_at"))
            }
        }
    }

    /// A tune's trials with their rungs, by model then trial.
    public func trials(tuneID: Int64) throws -> [TuneTrialRecord] {
        try read { db in
            var trials = try Row.fetchAll(db, sql: "SELECT * FROM tune_trials WHERE tune_id = ? ORDER BY model_name, trial",
                                          arguments: [tuneID]).map { row in
                TuneTrialRecord(
                    id: try row.decode(forColumn: "id"), modelName: try row.decode(forColumn: "model_name"),
                    trial: try row.decode(forColumn: "trial"),
                    assignments: (try? JSONDecoder().decode([String].self, from: Data((try row.decode(forColumn: "assignments_json") as String).utf8))) ?? [],
                    experimentID: try row.decode(forColumn: "experiment_id"), chosen: (row["chosen"] as Int) != 0, rungs: [:])
            }
            let index = Dictionary(uniqueKeysWithValues: trials.enumerated().map { ($0.element.id, $0.offset) })
            for row in try Row.fetchAll(db, sql: """
                SELECT r.* FROM tune_rungs r JOIN tune_trials t ON t.id = r.trial_id WHERE t.tune_id = ?
                """, arguments: [tuneID]) {
                let trialID: Int64 = try row.decode(forColumn: "trial_id")
                guard let i = index[trialID] else { continue }
                let rung = TuneRungRecord(rung: try row.decode(forColumn: "rung"), epochs: try row.decode(forColumn: "epochs"),
                                          score: row["score"], promoted: (row["promoted"] as Int) != 0)
                trials[i].rungs[rung.rung] = rung
            }
            return trials
        }
    }

    /// Marks the trial each model chose (the others not), once the tune has finished.
    public func markChosen(tuneID: Int64, choices: [String: Int]) throws {
        try write { db in
            for (model, trial) in choices {
                try db.execute(sql: "UPDATE tune_trials SET chosen = (trial = ?) WHERE tune_id = ? AND model_name = ?",
                               arguments: [trial, tuneID, model])
            }
        }
    }

    /// Epochs trained by each model's trials (over their jobs: the last epoch with metrics).
    public func epochsTrained(tuneID: Int64) throws -> [String: Int] {
        try read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT tt.model_name, SUM((SELECT COALESCE(MAX(m.epoch), 0) FROM metrics m WHERE m.job_id = j.id)) AS epochs
                FROM tune_trials tt JOIN jobs j ON j.experiment_id = tt.experiment_id WHERE tt.tune_id = ? GROUP BY tt.model_name
                """, arguments: [tuneID]) {
                out[row["model_name"]] = row["epochs"]
            }
            return out
        }
    }

    /// The tune with this hash prefix (4 or more hex digits), or the latest with this name; nil
    /// key: the latest tune.
    public func tune(matching key: String?) throws -> TuneRecord? {
        let all = try tunes()
        guard let key else { return all.last }
        if let named = all.last(where: { $0.name == key }) { return named }
        let byHash = key.count >= 4 ? all.filter { $0.hash.hasPrefix(key.lowercased()) } : []
        return byHash.count == 1 ? byHash[0] : nil
    }

    /// The validation accuracy (`accuracy.validation`) of each job of an experiment by epoch, and
    /// each job's status: what a tune scores its trials on. NaN values read as NaN.
    public func validationCurves(experimentID: Int64) throws -> [(jobID: Int64, fold: Int, status: String, accuracy: [Int: Double])] {
        try read { db in
            let jobs = try Row.fetchAll(db, sql: "SELECT id, fold, status FROM jobs WHERE experiment_id = ? ORDER BY run, fold",
                                        arguments: [experimentID])
            var curves: [Int64: [Int: Double]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT m.job_id, m.epoch, m.value, m.is_nan FROM metrics m JOIN jobs j ON j.id = m.job_id
                WHERE j.experiment_id = ? AND m.key = 'accuracy.validation'
                """, arguments: [experimentID]) {
                let value: Double = (row["is_nan"] as Int) != 0 ? .nan : (row["value"] as Double? ?? .nan)
                curves[row["job_id"], default: [:]][row["epoch"]] = value
            }
            return try jobs.map { row in
                let id: Int64 = try row.decode(forColumn: "id")
                return (id, try row.decode(forColumn: "fold"), try row.decode(forColumn: "status"), curves[id] ?? [:])
            }
        }
    }
}
