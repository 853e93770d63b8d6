// A worker is given its job by value: it runs with nothing but the spec file in the results
// folder (no run log, which it never opens, nor creates), and refuses a job its experiment's spec
// does not plan (an unknown model, a fold out of range, another seed) with an error that says why.

import Foundation
import Runner
import Testing
import RunLog
import Spec

/// A results folder holding the spec of a tiny one-epoch CNN experiment (2 folds), its jobs
/// registered as `exp run` does; returns the folder, the spec hash and the jobs.
private func registeredExperiment() throws -> (folder: String, hash: String, jobs: [JobRecord]) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exp-worker-job-\(UUID().uuidString)").path
    let text = """
        {"specVersion": 1, "name": "worker-job", "table": "none", "seed": 13,
         "dataset": {"kind": "synthetic", "imageSize": 36, "cropSize": 32, "augmentation": "none",
                     "subjects": 4, "imagesPerExpression": 1},
         "protocol": {"folds": 2, "runs": 1},
         "models": [{"name": "CNN(baseline)", "kind": "cnn", "epochs": 1, "batchSize": 8}]}
        """
    let loaded = try SpecLoader.load(text: text, overrides: inProcessNumerics)
    return (folder, loaded.hash, try registerForWorkers(loaded, results: folder))
}

/// Every file of the run log (SQLite's WAL and shared-memory files included) in `folder`.
private func runLogFiles(_ folder: String) -> [String] {
    let database = ResultsLayout(root: folder).database
    return [database, database + "-wal", database + "-shm"].filter { FileManager.default.fileExists(atPath: $0) }
}

@Test func aWorkerRunsWithoutTheRunLog() throws {
    let (folder, hash, jobs) = try registeredExperiment()
    for path in runLogFiles(folder) { try FileManager.default.removeItem(atPath: path) }
    #expect(runLogFiles(folder).isEmpty)
    let job = try #require(jobs.first { $0.fold == 1 })

    var messages: [WorkerMessage] = []
    let last = try JobWorker.run(WorkerRequest(results: folder, experimentHash: hash, job: job),
                                 send: { messages.append($0) }, shouldStop: { false })
    #expect(last == .completed)
    #expect(messages.first == .started(resumedFromEpoch: 0, epochs: 1))
    #expect(messages.contains { if case .predictions(let p) = $0 { !p.isEmpty } else { false } })
    // The checkpoint is named by the job id it was given; no run log appeared.
    #expect(FileManager.default.fileExists(atPath: ResultsLayout(root: folder).checkpoint(hash, job: JobFileName(modelName: job.modelName, run: job.run, fold: job.fold))))
    #expect(runLogFiles(folder).isEmpty)
}

@Test(arguments: [
    ("unknown model", "the experiment has no model named 'HA-GAN'; its models: 'CNN(baseline)'"),
    ("fold out of range", "the experiment plans runs 0..0 and folds 0..1"),
    ("wrong seed", "the experiment's seed for that job is "),
])
func aJobNotInThePlanIsRefused(change: String, reason: String) throws {
    let (folder, hash, jobs) = try registeredExperiment()
    var request = WorkerRequest(results: folder, experimentHash: hash, job: jobs[0])
    switch change {
    case "unknown model": request.modelName = "HA-GAN"
    case "fold out of range": request.fold = 2
    default: request.seed += 1
    }
    var messages: [WorkerMessage] = []
    let error = #expect(throws: RunError.self) {
        try JobWorker.run(request, send: { messages.append($0) }, shouldStop: { false })
    }
    let text = error.map(String.init(describing:)) ?? ""
    #expect(text.hasPrefix("the worker's job, model '\(request.modelName)' run 0 fold \(request.fold) seed \(request.seed)"))
    #expect(text.contains("is not in the experiment's plan: " + reason))
    #expect(text.contains(ResultsLayout(root: folder).specFile(hash)))
    if change == "wrong seed" { #expect(text.contains("seed for that job is \(jobs[0].seed)")) }
    // Refused before anything ran or was written.
    #expect(messages.isEmpty)
    #expect(!FileManager.default.fileExists(atPath: ResultsLayout(root: folder).checkpoint(hash, job: JobFileName(modelName: jobs[0].modelName, run: jobs[0].run, fold: jobs[0].fold))))
}

@Test func aCheckpointOfAnotherJobIsRefused() throws {
    let (folder, hash, jobs) = try registeredExperiment()
    let first = try #require(jobs.first { $0.fold == 0 }), second = try #require(jobs.first { $0.fold == 1 })
    _ = try JobWorker.run(WorkerRequest(results: folder, experimentHash: hash, job: first), send: { _ in }, shouldStop: { false })
    // The second job given the first one's checkpoint file.
    var request = WorkerRequest(results: folder, experimentHash: hash, job: second)
    let layout = ResultsLayout(root: folder)
    request.checkpoint = layout.relative(layout.checkpoint(hash, job: JobFileName(modelName: first.modelName, run: first.run, fold: first.fold)))
    let error = #expect(throws: RunError.self) { try JobWorker.run(request, send: { _ in }, shouldStop: { false }) }
    #expect(error?.description.contains("belongs to CNN(baseline), run 0, fold 0") == true, "\(String(describing: error))")
}
