// The views on a small fixture whose accuracies are computed by hand in the comments.

import Foundation
import GRDB
import RunLog
import Spec
import TestSupport
import Testing

/// Model A (2 runs x 2 folds, all completed) and model B (one completed job, one failed job with
/// predictions that must not count, two pending). Labels 0, 1, 2.
///   A r0f0 final epoch 2: (0,0) (1,1) (2,2) (0,1) -> 3/4; epoch 1: all wrong (must be ignored)
///   A r0f1: (1,1) (2,2) -> 2/2           A run 0 pooled: 5/6
///   A r1f0: (0,0) (1,0) (2,1) -> 1/3
///   A r1f1: (0,0) (1,1) (2,0) -> 2/3     A run 1 pooled: 3/6
///   A mean over runs (5/6 + 3/6) / 2 = 2/3; sample std = sqrt(2 (1/6)^2 / 1) = sqrt(2) / 6
///   A per class: 0 -> 3/4, 1 -> 3/4, 2 -> 2/4
///   B r0f0: (0,0) (1,2) -> 1/2; B r0f1 failed: (0,0) (1,1) ignored. B: 1 run, accuracy 1/2, no std.
/// A's jobs ran locally, B's started ones as Slurm array tasks 12_4 (requeued once) and 12_5 (failed).
func makeViewFixture(path: String) throws -> (RunStore, Int64) {
    let store = try RunStore(path: path)
    var spec = try SpecLoader.load(text: minimalSpec, overrides: ["protocol.folds=2", "protocol.runs=2", "name=\"fixture\""]).spec
    spec.models = [ModelSpec(name: "A", kind: .cnn, epochs: 2), ModelSpec(name: "B", kind: .cnn, epochs: 2)]
    let loaded = try SpecLoader.identify(spec)
    let (experimentID, _) = try store.registerExperiment(loaded, provenance: testProvenance, classNames: ["anger", "disgust", "fear"])
    let jobs = try store.upsertJobs(experimentID: experimentID, plan(spec))
    func job(_ model: String, _ run: Int, _ fold: Int) -> Int64 {
        jobs.first { $0.modelName == model && $0.run == run && $0.fold == fold }!.id
    }
    func predictions(_ pairs: [(Int, Int)]) -> [Prediction] {
        pairs.enumerated().map { i, pair in
            var probabilities = [0.1, 0.1, 0.1]
            probabilities[pair.1] = 0.8
            return Prediction(sampleIndex: i, sampleID: "img\(i)", subject: "S\(i)", trueLabel: pair.0, predictedLabel: pair.1, probabilities: probabilities)
        }
    }
    func complete(_ id: Int64, _ pairs: [(Int, Int)], losses: [Double]) throws {
        try store.transition(jobID: id, to: .running)
        for (epoch, loss) in losses.enumerated() {
            try store.recordEpoch(jobID: id, epoch: epoch + 1, metrics: ["loss": loss, "test_accuracy": Double(epoch) / 2])
        }
        try store.finish(jobID: id, status: .completed, predictions: predictions(pairs))
    }
    let a00 = job("A", 0, 0)
    try store.writePredictions(jobID: a00, epoch: 1, predictions([(0, 1), (1, 2), (2, 0), (0, 2)]))
    try complete(a00, [(0, 0), (1, 1), (2, 2), (0, 1)], losses: [1.0, 0.5])
    try complete(job("A", 0, 1), [(1, 1), (2, 2)], losses: [3.0, .nan])
    try complete(job("A", 1, 0), [(0, 0), (1, 0), (2, 1)], losses: [2.0, 1.0])
    try complete(job("A", 1, 1), [(0, 0), (1, 1), (2, 0)], losses: [2.0, 1.0])
    try complete(job("B", 0, 0), [(0, 0), (1, 2)], losses: [1.5, 1.25])
    let failed = job("B", 0, 1)
    try store.transition(jobID: failed, to: .running)
    try store.writePredictions(jobID: failed, epoch: 1, predictions([(0, 0), (1, 1)]))
    try store.transition(jobID: failed, to: .failed, error: "worker crashed")
    try store.recordFoldAssignments(experimentID: experimentID, run: 0, ["S0": 0, "S1": 1, "S2": 0, "S3": 1])
    // Model B ran as Slurm array tasks (12_4 requeued once, 12_5 failed; 12_4's job was first task
    // 11_2, cancelled, kept in execution_history); model A locally.
    for id in jobs.filter({ $0.modelName == "A" }).map(\.id) { try store.recordExecution(jobID: id, ExecutionRecord(executor: "local", node: "host")) }
    try store.recordExecution(jobID: job("B", 0, 0), ExecutionRecord(executor: "slurm", submission: "exp-fixture-0", arrayJobID: 11, arrayIndex: 2,
                                                                      node: "n1", state: "CANCELLED", exitCode: "0:15"))
    try store.recordExecution(jobID: job("B", 0, 0), ExecutionRecord(executor: "slurm", submission: "exp-fixture-1", arrayJobID: 12, arrayIndex: 4,
                                                                      node: "n1", requeues: 1, state: "COMPLETED", exitCode: "0:0"))
    try store.recordExecution(jobID: failed, ExecutionRecord(executor: "slurm", submission: "exp-fixture-1", arrayJobID: 12, arrayIndex: 5,
                                                             node: "n2", state: "FAILED", reason: "NonZeroExitCode", exitCode: "1:0"))
    return (store, experimentID)
}

func double(_ value: DatabaseValue?) -> Double? { value.flatMap(Double.fromDatabaseValue) }
func int(_ value: DatabaseValue?) -> Int? { value.flatMap(Int.fromDatabaseValue) }

@Test func viewsGiveHandComputedAccuracies() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, experimentID) = try makeViewFixture(path: folder.path + "/runs.sqlite")
    let jobAccuracy = try store.query("SELECT model_name, run, fold, status, epoch, samples, correct, accuracy FROM job_accuracy ORDER BY model_name, run, fold")
    #expect(jobAccuracy.count == 6)
    #expect(int(jobAccuracy[0]["correct"]) == 3 && int(jobAccuracy[0]["samples"]) == 4 && int(jobAccuracy[0]["epoch"]) == 2)
    #expect(double(jobAccuracy[2]["accuracy"]) == 1.0 / 3)

    let runs = try store.query("SELECT model_name, run, folds, folds_planned, samples, correct, accuracy FROM model_run_accuracy ORDER BY model_name, run")
    #expect(runs.count == 3)
    #expect(double(runs[0]["accuracy"]) == 5.0 / 6 && int(runs[0]["folds"]) == 2)
    #expect(double(runs[1]["accuracy"]) == 0.5)
    #expect(int(runs[2]["folds"]) == 1 && int(runs[2]["folds_planned"]) == 2 && double(runs[2]["accuracy"]) == 0.5)

    let models = try store.query("SELECT model_name, runs, folds, samples, mean_accuracy, std_accuracy FROM model_accuracy WHERE experiment_id = ? ORDER BY model_name", arguments: [experimentID])
    #expect(models.count == 2)
    #expect(abs(double(models[0]["mean_accuracy"])! - 2.0 / 3) < 1e-12)
    #expect(abs(double(models[0]["std_accuracy"])! - 2.0.squareRoot() / 6) < 1e-12)
    #expect(int(models[0]["runs"]) == 2 && int(models[0]["folds"]) == 4 && int(models[0]["samples"]) == 12)
    #expect(double(models[1]["mean_accuracy"]) == 0.5 && models[1]["std_accuracy"] == .null)

    let classes = try store.query("SELECT label, class_name, samples, correct, accuracy FROM per_class_accuracy WHERE model_name = 'A' ORDER BY label")
    #expect(classes.map { double($0["accuracy"])! } == [0.75, 0.75, 0.5])
    #expect(classes.map { String.fromDatabaseValue($0["class_name"]!)! } == ["anger", "disgust", "fear"])

    let confusion = try store.query("SELECT true_label, predicted_label, count FROM confusion_matrix WHERE model_name = 'A' ORDER BY true_label, predicted_label")
    let cells = confusion.map { "\(int($0["true_label"])!)>\(int($0["predicted_label"])!):\(int($0["count"])!)" }
    #expect(cells == ["0>0:3", "0>1:1", "1>0:1", "1>1:3", "2>0:1", "2>1:1", "2>2:2"])

    let curves = try store.query("SELECT epoch, points, mean_value, nan_count FROM learning_curves WHERE model_name = 'A' AND key = 'loss' ORDER BY epoch")
    // Epoch 1: 1, 3, 2, 2 -> mean 2; epoch 2: 0.5, NaN, 1, 1 -> mean of the finite ones 2.5 / 3.
    #expect(double(curves[0]["mean_value"]) == 2.0 && int(curves[0]["points"]) == 4)
    #expect(abs(double(curves[1]["mean_value"])! - 2.5 / 3) < 1e-12 && int(curves[1]["nan_count"]) == 1)
}

@Test func statusSummaryCountsAndProgress() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, experimentID) = try makeViewFixture(path: folder.path + "/runs.sqlite")
    let summary = try store.statusSummary(experimentID: experimentID)
    #expect(summary.counts == [.completed: 5, .failed: 1, .pending: 2])
    #expect(summary.total == 8)
    #expect(summary.epochsPlanned == 16)
    #expect(summary.epochsDone == 10)
    #expect(summary.experiment.name == "fixture")
    let a01 = summary.jobs.first { $0.job.modelName == "A" && $0.job.run == 0 && $0.job.fold == 1 }!
    #expect(a01.latestMetrics["loss"]?.isNaN == true)
    #expect(a01.latestMetrics["test_accuracy"] == 0.5)
}

/// Every example query of docs/run-log.md runs on the fixture, and those that look for failures
/// or Slurm tasks (none in the demo whose outputs the document shows) find them here: the fixture
/// has a NaN loss, a failed job and Slurm tasks, one submitted twice.
@Test func documentedQueriesRunOnTheFixture() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, _) = try makeViewFixture(path: folder.path + "/runs.sqlite")
    let text = try String(contentsOfFile: repositoryRoot() + "/docs/run-log.md", encoding: .utf8)
    var checked = 0, tagged = 0
    for block in text.components(separatedBy: "```") where block.hasPrefix("sql\n") {
        let sql = String(block.dropFirst(4))
        let rows = try store.query(sql)
        if sql.hasPrefix("-- rows only") {
            #expect(!rows.isEmpty, "\(sql)")
            tagged += 1
        }
        checked += 1
    }
    #expect(checked >= 15 && tagged == 4)
}
