// `exp predict --experiment NAME --model M --fold F [--run R]`: the checkpoint of one job, found in
// the run log (the artifacts table records the file each job's worker wrote; that path is the
// source of truth, also for the `job-<id>.ckpt` files of jobs that earlier builds ran).

import Foundation
import RunLog
import Spec

/// A job whose checkpoint cannot be chosen from the run log; each case says what there is.
public enum CheckpointLookupError: Error, Equatable, CustomStringConvertible {
    case unknownModel(experiment: String, model: String, models: [String])
    case unknownFold(experiment: String, model: String, fold: Int, folds: [Int])
    case unknownRun(experiment: String, model: String, fold: Int, run: Int, runs: [Int])
    /// Several runs hold the job and --run was not given.
    case ambiguousRun(experiment: String, model: String, fold: Int, runs: [String])
    case noCheckpoint(experiment: String, job: String, status: String, epochs: String)
    case missingFile(job: String, path: String)

    public var description: String {
        switch self {
        case .unknownModel(let e, let m, let models):
            return "experiment \(e) has no model named \"\(m)\"; its models: \(models.map { "\"\($0)\"" }.joined(separator: ", "))"
        case .unknownFold(let e, let m, let f, let folds):
            return "experiment \(e) has no fold \(f) for model \(m); its folds: \(folds.map(String.init).joined(separator: ", "))"
        case .unknownRun(let e, let m, let f, let r, let runs):
            return "experiment \(e) has no run \(r) for model \(m), fold \(f); its runs: \(runs.map(String.init).joined(separator: ", "))"
        case .ambiguousRun(let e, let m, let f, let runs):
            return "experiment \(e) has \(runs.count) runs of model \(m), fold \(f); choose one with --run: \(runs.joined(separator: "; "))"
        case .noCheckpoint(let e, let job, let status, let epochs):
            return "\(job) of experiment \(e) has no checkpoint yet (\(status), \(epochs) epochs); run the experiment with `exp run` first"
        case .missingFile(let job, let path):
            return "the run log records \(path) as the checkpoint of \(job), but the file is missing; run the experiment again to rewrite it"
        }
    }
}

public enum CheckpointLookup {
    /// The absolute path of the checkpoint of `model` (its name, or the slug of its checkpoint
    /// files), `fold` and `run` (may be omitted when the experiment has one run) in the experiment
    /// that `experiment` names (its name or a spec-hash prefix).
    public static func find(results: String, experiment key: String, model: String, fold: Int, run: Int?) throws -> String {
        let layout = ResultsLayout(root: results)
        let store = try RunStore(path: layout.database, readOnly: true)
        defer { try? store.close() }
        let experiment = try store.experiment(matching: key)
        let label = "\(experiment.name) (\(experiment.specHash.prefix(12)))"
        let jobs = try store.jobs(experimentID: experiment.id)
        var models: [String] = []
        for j in jobs where !models.contains(j.modelName) { models.append(j.modelName) }
        let named = models.first { $0 == model } ?? models.first { $0.lowercased() == model.lowercased() }
            ?? models.first { ModelSpec.fileName($0) == model.lowercased() }
        guard let name = named else { throw CheckpointLookupError.unknownModel(experiment: label, model: model, models: models) }
        let ofModel = jobs.filter { $0.modelName == name }
        let ofFold = ofModel.filter { $0.fold == fold }
        guard !ofFold.isEmpty else {
            throw CheckpointLookupError.unknownFold(experiment: label, model: name, fold: fold, folds: Array(Set(ofModel.map(\.fold))).sorted())
        }
        let checkpoints = try Dictionary(uniqueKeysWithValues: ofFold.map { j in
            (j.id, try store.artifacts(jobID: j.id).filter { $0.kind == ArtifactKind.checkpoint.rawValue }.max { ($0.epoch ?? 0) < ($1.epoch ?? 0) })
        })
        let job: JobRecord
        if let run {
            guard let j = ofFold.first(where: { $0.run == run }) else {
                throw CheckpointLookupError.unknownRun(experiment: label, model: name, fold: fold, run: run, runs: ofFold.map(\.run).sorted())
            }
            job = j
        } else if ofFold.count == 1 {
            job = ofFold[0]
        } else {
            throw CheckpointLookupError.ambiguousRun(experiment: label, model: name, fold: fold, runs: ofFold.sorted { $0.run < $1.run }.map { j in
                "--run \(j.run) (\(j.status.rawValue), \(j.epochsDone) of \(j.epochsPlanned) epochs\(checkpoints[j.id]! == nil ? ", no checkpoint yet" : ""))"
            })
        }
        let jobName = "model \(name) run \(job.run) fold \(fold)"
        guard let artifact = checkpoints[job.id]! else {
            throw CheckpointLookupError.noCheckpoint(experiment: label, job: jobName, status: job.status.rawValue,
                                                     epochs: "\(job.epochsDone) of \(job.epochsPlanned)")
        }
        let path = (layout.root as NSString).appendingPathComponent(artifact.path)
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointLookupError.missingFile(job: jobName, path: path) }
        return path
    }
}
