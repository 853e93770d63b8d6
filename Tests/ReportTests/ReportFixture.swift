// The fixture run log of the report tests, written through RunStore, with the numbers computed
// by hand (checked in ReportStatisticsTests):
//
// Experiment "paper-fixture" (table ckplus, folder dataset, classes anger/happy/sad, 2 folds x 2 runs,
// 2 epochs): every job completed.
//   CNN(baseline) r0f0 3/4, r0f1 1/2 -> run 0 pooled 4/6;  r1f0 2/3, r1f1 3/3 -> run 1 5/6
//     mean (4/6 + 5/6) / 2 = 0.75, sample std sqrt(2 (1/12)^2) = sqrt(2)/12 = 0.117851
//   HA-GAN r0f0 4/4, r0f1 2/2 -> run 0 1;  r1f0 2/3, r1f1 3/3 -> run 1 5/6
//     mean 11/12 = 0.916667, std sqrt(2)/12
//   Paired per fold (HA-GAN - CNN): 0.25, 0.5, 0, 0 -> mean 0.1875, sd 0.239357, se 0.119678,
//     t 1.566699 (3 df), p 0.215170, 95% CI [-0.193370, 0.568370]
// Experiment "partial" (table none, synthetic, 2 folds x 1 run, 3 epochs):
//   CNN(baseline) f0 completed 2/3; f1 diverged at epoch 2 (loss NaN)
//   HA-GAN f0 running (1 epoch done), f1 pending -> 1 of 4 jobs done

import Foundation
import Report
import RunLog
import Spec
import Testing

let fixtureProvenance = Provenance(
    toolVersion: "test", gitCommit: "0123456789abcdef", gitDirty: false, os: "Linux", cpu: "test cpu", blasConfig: "OpenBLAS test",
    blasThreads: 1, datasetFingerprint: nil)

let paperFixtureSpec = #"""
    {"specVersion": 1, "name": "paper-fixture", "table": "ckplus", "seed": 7,
     "dataset": {"kind": "folder", "root": "data/ck", "imageSize": 48, "cropSize": 44, "augmentation": ["center", "center:flip"]},
     "character": {"kind": "synthetic", "characters": ["mira"]},
     "protocol": {"folds": 2, "runs": 2},
     "models": [{"name": "CNN(baseline)", "kind": "cnn", "epochs": 2}, {"name": "HA-GAN", "kind": "hagan", "epochs": 2}]}
    """#

let partialFixtureSpec = #"""
    {"specVersion": 1, "name": "partial", "table": "none",
     "dataset": {"kind": "synthetic", "augmentation": "paper110", "imageSize": 80, "cropSize": 75},
     "character": {"kind": "synthetic", "characters": ["mira"]},
     "protocol": {"folds": 2, "runs": 1},
     "models": [{"name": "CNN(baseline)", "kind": "cnn", "epochs": 3}, {"name": "HA-GAN", "kind": "hagan", "epochs": 3}]}
    """#

/// (true, predicted) pairs with `correct` right answers out of `total`, cycling over 3 classes.
func predictions(correct: Int, total: Int, offset: Int = 0) -> [Prediction] {
    (0..<total).map { i in
        let truth = (i + offset) % 3
        let predicted = i < correct ? truth : (truth + 1) % 3
        var probabilities = [0.1, 0.1, 0.1]
        probabilities[predicted] = 0.8
        return Prediction(sampleIndex: i, sampleID: "img\(i)", subject: "S\(i)", trueLabel: truth, predictedLabel: predicted, probabilities: probabilities)
    }
}

func register(_ store: RunStore, _ text: String) throws -> (Int64, [JobRecord]) {
    let loaded = try SpecLoader.load(text: text)
    let (id, _) = try store.registerExperiment(loaded, provenance: fixtureProvenance, classNames: ["anger", "happy", "sad"])
    return (id, try store.upsertJobs(experimentID: id, plan(loaded.spec)))
}

func complete(_ store: RunStore, _ job: Int64, epochs: Int, _ predictions: [Prediction], extraMetricKeys: [String] = []) throws {
    try store.transition(jobID: job, to: .running)
    for epoch in 1...epochs {
        var metrics = ["loss": 2.0 / Double(epoch), "accuracy.test": 0.25 * Double(epoch)]
        for key in extraMetricKeys { metrics[key] = 0.2 * Double(epoch) }
        try store.recordEpoch(jobID: job, epoch: epoch, metrics: metrics)
    }
    try store.finish(jobID: job, status: .completed, predictions: predictions)
}

/// Writes the fixture into `results/runs.sqlite` (and a sample-grid file the log points to);
/// `extraMetricKeys` adds metrics to HA-GAN's epochs (for figures with more curves).
func writeFixture(results: String, partial: Bool = true, extraMetricKeys: [String] = []) throws {
    let store = try RunStore(path: results + "/runs.sqlite")
    defer { try? store.close() }
    let (_, jobs) = try register(store, paperFixtureSpec)
    func id(_ model: String, _ run: Int, _ fold: Int) -> Int64 {
        jobs.first { $0.modelName == model && $0.run == run && $0.fold == fold }!.id
    }
    let cnn = [(0, 0, 3, 4), (0, 1, 1, 2), (1, 0, 2, 3), (1, 1, 3, 3)]
    let hagan = [(0, 0, 4, 4), (0, 1, 2, 2), (1, 0, 2, 3), (1, 1, 3, 3)]
    for (run, fold, correct, total) in cnn {
        try complete(store, id("CNN(baseline)", run, fold), epochs: 2, predictions(correct: correct, total: total, offset: fold))
    }
    for (run, fold, correct, total) in hagan {
        try complete(store, id("HA-GAN", run, fold), epochs: 2, predictions(correct: correct, total: total, offset: fold),
                     extraMetricKeys: extraMetricKeys)
    }
    let grid = "samples/hagan-r1f1-e2.png"
    try FileManager.default.createDirectory(atPath: results + "/samples", withIntermediateDirectories: true)
    try Data([0x89, 0x50, 0x4E, 0x47]).write(to: URL(fileURLWithPath: results + "/" + grid))
    try store.recordArtifact(jobID: id("HA-GAN", 1, 1), kind: "samples", path: grid, epoch: 2)
    try store.recordArtifact(jobID: id("HA-GAN", 0, 0), kind: "samples", path: "samples/hagan-r0f0-e1.png", epoch: 1)
    guard partial else { return }

    let (_, partialJobs) = try register(store, partialFixtureSpec)
    func pid(_ model: String, _ fold: Int) -> Int64 { partialJobs.first { $0.modelName == model && $0.fold == fold }!.id }
    try complete(store, pid("CNN(baseline)", 0), epochs: 3, predictions(correct: 2, total: 3))
    let diverged = pid("CNN(baseline)", 1)
    try store.transition(jobID: diverged, to: .running)
    try store.recordEpoch(jobID: diverged, epoch: 1, metrics: ["loss": 1.5])
    try store.recordEpoch(jobID: diverged, epoch: 2, metrics: ["loss": .nan])
    try store.transition(jobID: diverged, to: .diverged, error: "loss 'loss' is nan\nstack line")
    let running = pid("HA-GAN", 0)
    try store.transition(jobID: running, to: .running)
    try store.recordEpoch(jobID: running, epoch: 1, metrics: ["loss.d": 1.0, "loss.g": 3.0])
}
