// `exp run` end to end on a tiny synthetic spec, through the real `exp` executable and worker
// processes: completed jobs, metrics and predictions in the run log; a coordinator killed with
// SIGKILL mid-run and started again ends with the same numbers as an uninterrupted run; a worker
// that exits non-zero leaves its job failed and the others completed.

import FaceData
import Foundation
import RunLog
import Runner
import Spec
import SyntheticFaces
import Testing

/// Every metric and prediction of an experiment, in a fixed order, as text (NaN-safe).
private func numbers(_ results: String) throws -> (metrics: [String], predictions: [String]) {
    let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
    let metrics = try store.query("""
        SELECT j.model_name, j.fold, m.key, m.epoch, m.value, m.is_nan FROM metrics m JOIN jobs j ON j.id = m.job_id
        ORDER BY j.model_name, j.fold, m.key, m.epoch
        """).map { "\($0.values.sorted { "\($0)" < "\($1)" })" }
    let predictions = try store.query("""
        SELECT j.model_name, j.fold, p.sample_id, p.predicted_label, p.probabilities FROM predictions p JOIN jobs j ON j.id = p.job_id
        ORDER BY j.model_name, j.fold, p.sample_index
        """).map { "\($0.values.sorted { "\($0)" < "\($1)" })" }
    return (metrics, predictions)
}

@Test func tinyExperimentRunsEndToEnd() throws {
    let folder = temporaryFolder("e2e")
    let spec = try tinySpec(in: folder)
    let results = (folder as NSString).appendingPathComponent("results")
    let p = try runExp(["run", spec, "--results", results, "--jobs", "2"])
    p.waitUntilExit()
    #expect(p.terminationStatus == 0)
    let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
    let experiment = try store.experiment(matching: "tiny")
    // `exp` starts itself again with OpenBLAS's idle threads set to sleep at once (Exp.main).
    #expect(experiment.provenance.blasConfig.hasSuffix("OPENBLAS_THREAD_TIMEOUT=4"))
    let jobs = try store.jobs(experimentID: experiment.id)
    #expect(jobs.count == 4 && jobs.allSatisfy { $0.status == .completed && $0.epochsDone == 3 })
    let accuracy = try store.query("SELECT COUNT(*) AS n FROM job_accuracy WHERE samples > 0")
    #expect(accuracy.first?["n"] == 4.databaseValue)
    let (metrics, predictions) = try numbers(results)
    #expect(metrics.count > 4 * 3 && predictions.count > 0)
    let folds = try store.foldAssignments(experimentID: experiment.id, run: 0)
    #expect(folds.count == 8 && Set(folds.values) == [0, 1])

    // Running the same spec again finds everything done and starts nothing.
    let again = try runExp(["run", spec, "--results", results])
    again.waitUntilExit()
    #expect(again.terminationStatus == 0)
    #expect(try numbers(results) == (metrics, predictions))
}

@Test func killedCoordinatorResumesToTheSameNumbers() throws {
    let folder = temporaryFolder("kill")
    let spec = try tinySpec(in: folder, epochs: 4)
    let reference = (folder as NSString).appendingPathComponent("reference")
    let straight = try runExp(["run", spec, "--results", reference, "--jobs", "2"])
    straight.waitUntilExit()
    #expect(straight.terminationStatus == 0)

    let results = (folder as NSString).appendingPathComponent("killed")
    // Foundation starts every child in a process group of its own: killing the coordinator's group
    // kills the coordinator; its workers die with it (PR_SET_PDEATHSIG).
    let victim = try runExp(["run", spec, "--results", results, "--jobs", "2"])
    // Wait until some epochs are in the log, then kill the coordinator and its workers at once.
    let database = ResultsLayout(root: results).database
    let deadline = Date().addingTimeInterval(120)
    var epochs = 0
    while Date() < deadline, epochs < 3 {
        Thread.sleep(forTimeInterval: 0.2)
        if FileManager.default.fileExists(atPath: database), let store = try? RunStore(path: database, readOnly: true),
           let rows = try? store.query("SELECT COUNT(DISTINCT job_id || '/' || epoch) AS n FROM metrics"),
           let n = rows.first?["n"].flatMap({ Int.fromDatabaseValue($0) }) {
            epochs = n
        }
    }
    #expect(epochs >= 3, "the run did not get going")
    kill(-victim.processIdentifier, SIGKILL)
    victim.waitUntilExit()
    #expect(victim.terminationReason == .uncaughtSignal)
    Thread.sleep(forTimeInterval: 0.5)
    #expect(processes(mentioning: results) == 0, "workers outlived their coordinator")
    // A checkpoint half-written when the kill came (as a worker killed mid-write leaves it).
    let checkpoints = (results as NSString).appendingPathComponent("checkpoints")
    let experimentFolder = (checkpoints as NSString).appendingPathComponent(try FileManager.default.contentsOfDirectory(atPath: checkpoints)[0])
    let stale = (experimentFolder as NSString).appendingPathComponent(".job-1.ckpt.tmp-99999")
    #expect(FileManager.default.createFile(atPath: stale, contents: Data([1, 2, 3])))
    // And a sample grid half-written (image writes go through a temporary file too).
    let hash = (experimentFolder as NSString).lastPathComponent
    let sampleFolder = (results as NSString).appendingPathComponent("samples/\(hash)/job-3")
    try FileManager.default.createDirectory(atPath: sampleFolder, withIntermediateDirectories: true)
    let staleGrid = (sampleFolder as NSString).appendingPathComponent(".epoch-0002.png.tmp-99999")
    #expect(FileManager.default.createFile(atPath: staleGrid, contents: Data([1, 2, 3])))
    let resumed = try runExp(["run", spec, "--results", results, "--jobs", "2"])
    resumed.waitUntilExit()
    #expect(resumed.terminationStatus == 0)
    #expect(!FileManager.default.fileExists(atPath: stale), "a half-written checkpoint was left behind")
    #expect(!FileManager.default.fileExists(atPath: staleGrid), "a half-written sample grid was left behind")
    let store = try RunStore(path: database, readOnly: true)
    let jobs = try store.jobs(experimentID: try store.experiment(matching: "tiny").id)
    #expect(jobs.allSatisfy { $0.status == .completed })
    #expect(jobs.contains { $0.attempts > 1 }, "no job was interrupted, so nothing was resumed")
    let a = try numbers(reference), b = try numbers(results)
    #expect(a.metrics == b.metrics)
    #expect(a.predictions == b.predictions)
}

@Test func dataInspectReadsASpecsDatasetAndFolds() throws {
    let folder = temporaryFolder("inspect")
    let data = (folder as NSString).appendingPathComponent("faces")
    try SyntheticLayouts.write(.folder, subjects: 3, seed: 2, size: 32, to: data)
    let spec = (folder as NSString).appendingPathComponent("inspect.json")
    try """
        {"specVersion": 1, "name": "inspect", "table": "none", "seed": 7,
         "dataset": {"kind": "folder", "root": "\(data)", "imageSize": 36, "cropSize": 32, "augmentation": "none"},
         "protocol": {"folds": 3, "runs": 1},
         "models": [{"name": "CNN", "kind": "cnn", "epochs": 1}]}
        """.write(toFile: spec, atomically: true, encoding: .utf8)
    let p = Process()
    p.executableURL = expExecutable
    p.arguments = ["data", "inspect", spec]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    #expect(p.terminationStatus == 0)
    // The six basic classes of 3 subjects (neutral skipped), split with the seed `exp run` uses for run 0.
    #expect(text.contains("54 images of 3 subjects in 6 classes"))
    #expect(text.contains("3 subject-independent folds (seed 7, the spec's; run 0's split seed \(SeedDerivation.splitSeed(experimentSeed: 7, run: 0)))"))
    // The root as the spec gives it; full class names over the fold table.
    #expect(text.contains("dataset folder at \(data), classes basic6"))
    #expect(text.contains("  fold subjects images  anger    disgust  fear     happiness  sadness  surprise"), "\(text)")
}
