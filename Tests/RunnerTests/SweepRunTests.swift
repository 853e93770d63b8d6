// `exp run SPEC --sweep` end to end through the real `exp` executable: a sweep of a tiny CNN spec
// run in part (--only fold=0), then resumed by the same command to the end, with one sweep in the
// run log and the numbers of each of its experiments those of the same spec run on its own;
// `exp ls` shows the sweep, `exp compare --sweep` compares its experiments; checkpoints are named
// for model, run and fold, and `exp predict --experiment` finds them through the run log, also a
// job's `job-<id>.ckpt` written by an earlier build; a bad --sweep writes nothing.

import Foundation
import GRDB
import RunLog
import Runner
import Spec
import SyntheticFaces
import Testing

/// Two runs x 2 folds of a small CNN on 8 synthetic subjects, 2 epochs.
private func sweepSpec(in folder: String) throws -> String {
    let path = (folder as NSString).appendingPathComponent("sweep.json")
    try """
        {"specVersion": 1, "name": "tiny", "table": "none", "seed": 7,
         "dataset": {"kind": "synthetic", "imageSize": 36, "cropSize": 32, "augmentation": ["center"],
                     "subjects": 8, "imagesPerExpression": 2},
         "protocol": {"folds": 2, "runs": 2},
         "models": [{"name": "CNN(baseline)", "kind": "cnn", "epochs": 2, "batchSize": 16}]}
        """.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Every job's metrics and final predictions of one experiment, as text.
private func numbers(_ store: RunStore, _ experimentID: Int64) throws -> [String] {
    try store.query("""
        SELECT j.run, j.fold, m.key, m.epoch, m.value FROM metrics m JOIN jobs j ON j.id = m.job_id
        WHERE j.experiment_id = ? ORDER BY j.run, j.fold, m.key, m.epoch
        """, arguments: [experimentID]).map { "\($0.values.sorted { "\($0)" < "\($1)" })" }
        + store.query("""
            SELECT run, fold, sample_id, predicted_label, probabilities FROM final_predictions
            WHERE experiment_id = ? ORDER BY run, fold, sample_index
            """, arguments: [experimentID]).map { "\($0.values.sorted { "\($0)" < "\($1)" })" }
}

@Test func sweepRunsResumesAndIsCompared() throws {
    let folder = temporaryFolder("sweep")
    let spec = try sweepSpec(in: folder)
    let results = (folder as NSString).appendingPathComponent("results")
    let sweep = ["--sweep", "models[0].adam.lr=0.001,0.0005"]

    // Part of it, then the same command again (without --only) runs the rest.
    let part = try runCapturing(expExecutable, ["run", spec, "--results", results, "--jobs", "2", "--only", "fold=0"] + sweep)
    #expect(part.normal && part.status == 0, "\(part.err)")
    #expect(part.out.contains("2 experiments: 4 completed"), "\(part.out)")
    let rest = try runCapturing(expExecutable, ["run", spec, "--results", results, "--jobs", "2"] + sweep)
    #expect(rest.normal && rest.status == 0, "\(rest.err)")
    #expect(rest.out.contains("2 experiments: 4 completed; 4 already finished"), "\(rest.out)")
    #expect(rest.out.contains("tiny[models[0].adam.lr=0.0005]"))

    let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
    let sweeps = try store.sweeps()
    #expect(sweeps.count == 1)
    let record = try #require(sweeps.first)
    #expect(record.name == "tiny" && record.specPath == spec && record.options == ["models[0].adam.lr=0.001,0.0005"])
    #expect(record.experiments.map(\.assignments) == [["models[0].adam.lr=0.001"], ["models[0].adam.lr=0.0005"]])
    #expect(rest.out.contains("exp compare --sweep \(record.hash.prefix(12))"))
    let experiments = try store.experiments()
    #expect(experiments.map(\.name) == ["tiny[models[0].adam.lr=0.001]", "tiny[models[0].adam.lr=0.0005]"])
    #expect(record.experiments.map(\.experimentID) == experiments.map(\.id))
    for e in experiments {
        let jobs = try store.jobs(experimentID: e.id)
        #expect(jobs.count == 4 && jobs.allSatisfy { $0.status == .completed && $0.attempts == 1 })
        // Checkpoints named for model, run and fold, as the run log records them.
        for j in jobs {
            let paths = try store.artifacts(jobID: j.id).filter { $0.kind == "checkpoint" }.map(\.path)
            #expect(paths == ["checkpoints/\(e.specHash)/cnn-baseline-run\(j.run)-fold\(j.fold).ckpt"])
            #expect(FileManager.default.fileExists(atPath: (results as NSString).appendingPathComponent(paths[0])))
        }
    }

    // The second experiment is the spec with that value: run alone, the same numbers.
    let alone = (folder as NSString).appendingPathComponent("alone")
    let single = try runCapturing(expExecutable, ["run", spec, "--results", alone, "--jobs", "2",
                                                  "--set", "models[0].adam.lr=0.0005", "--set", "name=tiny[models[0].adam.lr=0.0005]"])
    #expect(single.normal && single.status == 0, "\(single.err)")
    let aloneStore = try RunStore(path: ResultsLayout(root: alone).database, readOnly: true)
    let aloneExperiment = try aloneStore.experiment(matching: "tiny[models[0].adam.lr=0.0005]")
    #expect(aloneExperiment.specHash == experiments[1].specHash)
    #expect(try numbers(aloneStore, aloneExperiment.id) == numbers(store, experiments[1].id))
    #expect(try numbers(store, experiments[0].id) != numbers(store, experiments[1].id))

    // exp ls: the sweep beside each experiment; exp compare --sweep: both, with the key that differs.
    let ls = try runCapturing(expExecutable, ["ls", "--results", results])
    #expect(ls.status == 0 && ls.out.contains("sweep"))
    #expect(ls.out.split(separator: "\n").filter { $0.contains(String(record.hash.prefix(12))) }.count == 2, "\(ls.out)")
    let compare = try runCapturing(expExecutable, ["compare", "--sweep", String(record.hash.prefix(6)), "--results", results])
    #expect(compare.status == 0, "\(compare.err)")
    #expect(compare.out.contains("models[0].adam.lr") && compare.out.contains("0.0005") && compare.out.contains("CNN(baseline)"), "\(compare.out)")
    let unknown = try runCapturing(expExecutable, ["compare", "--sweep", "ffff", "--results", results])
    #expect(unknown.status != 0 && unknown.err.contains(String(record.hash.prefix(12))), "\(unknown.err)")

    // exp predict --experiment: the run log's checkpoint; several runs need --run.
    let faces = (folder as NSString).appendingPathComponent("faces")
    try SyntheticLayouts.write(.folder, subjects: 2, seed: 9, size: 36, to: faces)
    let image = (faces as NSString).appendingPathComponent("happy/" + (try FileManager.default.contentsOfDirectory(atPath: faces + "/happy").sorted()[0]))
    let name = "tiny[models[0].adam.lr=0.001]"
    let ambiguous = try runCapturing(expExecutable, ["predict", "--results", results, "--experiment", name, "--model", "CNN(baseline)",
                                                     "--fold", "1", image])
    #expect(ambiguous.status != 0 && ambiguous.err.contains("choose one with --run: --run 0 (completed, 2 of 2 epochs); --run 1"), "\(ambiguous.err)")
    let predicted = try runCapturing(expExecutable, ["predict", "--results", results, "--experiment", String(experiments[0].specHash.prefix(8)),
                                                     "--model", "cnn-baseline", "--fold", "1", "--run", "1", "--format", "json", image])
    #expect(predicted.status == 0, "\(predicted.err)")
    #expect(predicted.out.contains("cnn-baseline-run1-fold1.ckpt") && predicted.out.contains("\"trainingSubjects\""), "\(predicted.out)")
    let noModel = try runCapturing(expExecutable, ["predict", "--results", results, "--experiment", name, "--model", "HA-GAN",
                                                   "--fold", "0", image])
    #expect(noModel.status != 0 && noModel.err.contains("its models: \"CNN(baseline)\""), "\(noModel.err)")
    let noFold = try runCapturing(expExecutable, ["predict", "--results", results, "--experiment", name, "--model", "CNN(baseline)",
                                                  "--fold", "5", "--run", "0", image])
    #expect(noFold.status != 0 && noFold.err.contains("its folds: 0, 1"), "\(noFold.err)")

    // A bad --sweep is an error naming the key and the spec file, and writes nothing.
    let fresh = (folder as NSString).appendingPathComponent("never")
    let bad = try runCapturing(expExecutable, ["run", spec, "--results", fresh, "--sweep", "models[0].adam.lr=0.001,fast"])
    #expect(bad.normal && bad.status != 0)
    #expect(bad.err.contains("--sweep models[0].adam.lr=0.001,fast: key models[0].adam.lr of \(spec)"), "\(bad.err)")
    let range = try runCapturing(expExecutable, ["run", spec, "--results", fresh, "--sweep", "models[3].epochs=1,2"])
    #expect(range.status != 0 && range.err.contains("key models[3].epochs of \(spec)") && range.err.contains("1 entries"), "\(range.err)")
    #expect(!FileManager.default.fileExists(atPath: fresh))
    try? FileManager.default.removeItem(atPath: folder)
}

/// A job's checkpoint is named for its model, run and fold, and `exp predict --experiment` finds it
/// through the run log, also a `job-<id>.ckpt` that an earlier build recorded there; a job not
/// started has no checkpoint yet.
@Test func checkpointsAreFoundThroughTheRunLog() throws {
    let folder = temporaryFolder("legacy-ckpt")
    let spec = try sweepSpec(in: folder)
    let results = (folder as NSString).appendingPathComponent("results")
    let first = try runCapturing(expExecutable, ["run", spec, "--results", results, "--only", "run=0,fold=1"])
    #expect(first.status == 0, "\(first.err)")
    let experiment = try { () throws -> ExperimentRecord in
        let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
        defer { try? store.close() }
        return try store.experiment(matching: "tiny")
    }()
    let pending = try runCapturing(expExecutable, ["predict", "--results", results, "--experiment", "tiny", "--model", "CNN(baseline)",
                                                   "--fold", "0", "--run", "0", spec])
    #expect(pending.status != 0 && pending.err.contains("has no checkpoint yet (pending, 0 of 2 epochs)"), "\(pending.err)")
    let layout = ResultsLayout(root: results)
    let named = layout.checkpoint(experiment.specHash, job: JobFileName(modelName: "CNN(baseline)", run: 0, fold: 1))
    #expect(FileManager.default.fileExists(atPath: named) && named.hasSuffix("/cnn-baseline-run0-fold1.ckpt"))

    // A log in which an earlier build recorded the job's checkpoint as job-<id>.ckpt.
    let database = try DatabaseQueue(path: layout.database)
    let job: Int64 = try database.read { db in
        try Int64.fetchOne(db, sql: "SELECT id FROM jobs WHERE run = 0 AND fold = 1 AND experiment_id = ?", arguments: [experiment.id])!
    }
    let legacy = (layout.checkpoints(experiment.specHash) as NSString).appendingPathComponent("job-\(job).ckpt")
    try FileManager.default.moveItem(atPath: named, toPath: legacy)
    try database.write { db in
        try db.execute(sql: "UPDATE artifacts SET path = ? WHERE job_id = ? AND kind = 'checkpoint'", arguments: [layout.relative(legacy), job])
    }
    try database.close()
    let faces = (folder as NSString).appendingPathComponent("faces")
    try SyntheticLayouts.write(.folder, subjects: 2, seed: 9, size: 36, to: faces)
    let image = (faces as NSString).appendingPathComponent("happy/" + (try FileManager.default.contentsOfDirectory(atPath: faces + "/happy").sorted()[0]))
    let predicted = try runCapturing(expExecutable, ["predict", "--results", results, "--experiment", "tiny", "--model", "cnn-baseline",
                                                     "--fold", "1", "--run", "0", "--format", "json", image])
    #expect(predicted.status == 0 && predicted.out.contains("job-\(job).ckpt"), "\(predicted.out) \(predicted.err)")
    try? FileManager.default.removeItem(atPath: folder)
}

/// `exp compare --sweep` answers per swept value what a researcher asks: each model against the
/// baseline within the value's experiment; a model the value does not touch (the same jobs) is
/// not tested against itself; few pairs get a plain warning.
@Test func compareSweepShowsTheMarginPerValue() throws {
    let folder = temporaryFolder("sweep-margin")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = try tinySpec(in: folder, epochs: 1)
    let results = (folder as NSString).appendingPathComponent("results")
    let run = try runCapturing(expExecutable, ["run", spec, "--results", results, "--jobs", "2", "--sweep", "models[1].l1Weight=1,100"])
    #expect(run.normal && run.status == 0, "\(run.err)")
    let compare = try runCapturing(expExecutable, ["compare", "--sweep", "tiny", "--results", results])
    #expect(compare.status == 0, "\(compare.err)")
    let out = compare.out
    #expect(out.contains("Each model against the baseline within each experiment"))
    for value in ["tiny[models[1].l1Weight=1]", "tiny[models[1].l1Weight=100]"] {
        #expect(out.split(separator: "\n").contains { $0.contains(value) && $0.contains("HA-GAN - CNN(baseline)") }, "\(out)")
    }
    #expect(out.contains("CNN(baseline): the same jobs in") && out.contains("not tested against itself"))
    #expect(!out.contains("CNN(baseline) in tiny"), "the unchanged baseline was tested against itself: \(out)")
    #expect(out.contains("few pairs:"))
}
