// A job stopped after an epoch and started again: the worker first sends the metrics of the
// epochs in its checkpoint again (a coordinator killed between the checkpoint and storing the
// epoch's line would otherwise lose them) and the files it wrote, then continues to the same numbers as a job that
// never stopped.

import Foundation
import Runner
import Spec
import Testing
import Vocabulary

/// A results folder holding one registered tiny CNN job on synthetic faces; returns its request.
private func registeredJob(epochs: Int) throws -> WorkerRequest {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exp-resume-\(UUID().uuidString)").path
    let text = """
        {"specVersion": 1, "name": "resume", "table": "none", "seed": 11,
         "dataset": {"kind": "synthetic", "imageSize": 36, "cropSize": 32, "augmentation": "none",
                     "subjects": 4, "imagesPerExpression": 1},
         "protocol": {"folds": 2, "runs": 1},
         "models": [{"name": "CNN(baseline)", "kind": "cnn", "epochs": \(epochs), "batchSize": 8}]}
        """
    let loaded = try SpecLoader.load(text: text, overrides: inProcessNumerics)
    let job = try registerForWorkers(loaded, results: folder)[0]
    return WorkerRequest(results: folder, experimentHash: loaded.hash, job: job)
}

private func epochMessages(_ messages: [WorkerMessage]) -> [Int: [String: Double]] {
    var out: [Int: [String: Double]] = [:]
    for case .epoch(let e, let m) in messages { out[e] = m }
    return out
}

@Test func aResumedJobSendsItsCheckpointedEpochsAgain() throws {
    let straight = try registeredJob(epochs: 3)
    var reference: [WorkerMessage] = []
    _ = try JobWorker.run(straight, send: { reference.append($0) }, shouldStop: { false })

    let request = try registeredJob(epochs: 3)
    var first: [WorkerMessage] = []
    let stopped = try JobWorker.run(request, send: { first.append($0) }, shouldStop: { true })
    #expect(stopped == .interrupted(epoch: 1))
    var second: [WorkerMessage] = []
    let last = try JobWorker.run(request, send: { second.append($0) }, shouldStop: { false })
    #expect(last == .completed)
    // Started at epoch 1 (with the machine it computes on), then epoch 1's metrics again (as stored
    // in the checkpoint), then 2 and 3.
    #expect(second.first == .started(resumedFromEpoch: 1, epochs: 3))
    guard second.count > 1, case .machine(let machine) = second[1] else { Issue.record("no machine after started: \(second)"); return }
    #expect(machine.version == NumericsVersion.current && !machine.blasCore.isEmpty)
    second.remove(at: 1)
    #expect(second.count > 1 && second[1] == .epoch(epoch: 1, metrics: epochMessages(first)[1] ?? [:]))
    #expect(epochMessages(second) == epochMessages(reference))
    #expect(epochMessages(reference).keys.sorted() == [1, 2, 3])
    // The checkpoint written before the stop is announced again, so its artifact row cannot be lost.
    #expect(second.count > 2 && second[2] == .artifact(kind: .checkpoint, path: "checkpoints/\(request.experimentHash)/cnn-baseline-run0-fold0.ckpt", epoch: 1))
}
