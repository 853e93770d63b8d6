// Reproducibility through the runner: a sweep's unchanged baseline trained once (and reused with
// its numbers, files and origin), every job when --no-reuse says so; each worker start recorded with
// its machine; a worker refusing a job whose numerics its machine or checkpoint would not give.

import Foundation
import NN
import RunLog
import Runner
import Spec
import Testing
import Vocabulary

/// A tiny spec of both models, 2 folds, 1 run, 2 epochs.
private func bothModelsSpec(in folder: String) throws -> String {
    let path = (folder as NSString).appendingPathComponent("both.json")
    try """
        {"specVersion": 2, "name": "both", "table": "none", "seed": 5,
         "dataset": {"kind": "synthetic", "imageSize": 36, "cropSize": 32, "augmentation": ["center"], "subjects": 8, "imagesPerExpression": 2},
         "character": {"kind": "synthetic"},
         "protocol": {"folds": 2, "runs": 1},
         "models": [{"name": "CNN(baseline)", "kind": "cnn", "epochs": 2, "batchSize": 16},
                    {"name": "HA-GAN", "kind": "hagan", "epochs": 2, "batchSize": 16, "codeSize": 16, "noiseSize": 8, "sampleEvery": 0}]}
        """.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Test func aSweepsUnchangedBaselineIsTrainedOnce() throws {
    let folder = temporaryFolder("reuse")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = try bothModelsSpec(in: folder)
    let results = (folder as NSString).appendingPathComponent("results")
    let run = try runCapturing(expExecutable, ["run", spec, "--results", results, "--only", "fold=0", "--sweep", "models[1].l1Weight=1,100"])
    #expect(run.normal && run.status == 0, "\(run.err)")
    #expect(run.out.contains("reused 1 job(s)") && run.out.contains("both[models[1].l1Weight=100] CNN(baseline) run 0 fold 0: from experiment both[models[1].l1Weight=1]"),
            "\(run.out)")

    let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
    defer { try? store.close() }
    let experiments = try store.experiments()
    #expect(experiments.count == 2)
    let cnn = try experiments.map { e in try #require(try store.jobs(experimentID: e.id).first { $0.modelName == "CNN(baseline)" && $0.fold == 0 }) }
    #expect(cnn.allSatisfy { $0.status == .completed })
    // Trained once: one worker start between the two CNN jobs; the copy says where it came from.
    #expect(try cnn.map { try store.attempts(jobID: $0.id).count } == [1, 0])
    let origin = try store.query("SELECT reused_from, job_hash FROM jobs WHERE id IN (?, ?) ORDER BY id", arguments: [cnn[0].id, cnn[1].id])
    #expect(origin[1]["reused_from"] == cnn[0].id.databaseValue && origin[0]["job_hash"] == origin[1]["job_hash"])
    #expect(try store.metrics(jobID: cnn[0].id).map(\.description) == store.metrics(jobID: cnn[1].id).map(\.description))
    #expect(try store.finalPredictions(jobID: cnn[0].id) == store.finalPredictions(jobID: cnn[1].id))
    #expect(try store.artifacts(jobID: cnn[0].id).map(\.path) == store.artifacts(jobID: cnn[1].id).map(\.path))
    // HA-GAN differs between the two: each trained, each with its machine recorded.
    for e in experiments {
        let gan = try #require(try store.jobs(experimentID: e.id).first { $0.modelName == "HA-GAN" && $0.fold == 0 })
        let attempts = try store.attempts(jobID: gan.id)
        #expect(attempts.count == 1 && attempts[0].machine.version == NumericsVersion.current && attempts[0].machine.mode == .portable)
    }

    // --no-reuse trains every job.
    let again = (folder as NSString).appendingPathComponent("again")
    let all = try runCapturing(expExecutable, ["run", spec, "--results", again, "--only", "fold=0", "--no-reuse",
                                               "--sweep", "models[1].l1Weight=1,100"])
    #expect(all.status == 0 && !all.out.contains("reused"), "\(all.out)")
    let trained = try RunStore(path: ResultsLayout(root: again).database, readOnly: true)
    defer { try? trained.close() }
    #expect(try trained.query("SELECT COUNT(*) AS n FROM attempts").first?["n"] == 4.databaseValue)
    #expect(try trained.query("SELECT COUNT(*) AS n FROM jobs WHERE reused_from IS NOT NULL").first?["n"] == 0.databaseValue)
}

/// A registered one-job experiment whose worker runs in this process.
private func registeredJob(_ folder: String, overrides: [String]) throws -> WorkerRequest {
    let text = """
        {"specVersion": 2, "name": "refuse", "table": "none", "seed": 3,
         "dataset": {"kind": "synthetic", "imageSize": 36, "cropSize": 32, "augmentation": "none", "subjects": 4, "imagesPerExpression": 1},
         "protocol": {"folds": 2, "runs": 1},
         "models": [{"name": "CNN(baseline)", "kind": "cnn", "epochs": 2, "batchSize": 8}]}
        """
    let loaded = try SpecLoader.load(text: text, overrides: overrides)
    let job = try registerForWorkers(loaded, results: folder)[0]
    return WorkerRequest(results: folder, experimentHash: loaded.hash, job: job)
}

@Test func aWorkerRefusesAJobWhoseBitsItWouldNotGive() throws {
    let folder = temporaryFolder("refuse")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    // A native experiment whose first job ran with another OpenBLAS kernel than this machine's.
    var request = try registeredJob(folder, overrides: ["numerics.mode=native"])
    request.blasCore = "NotThisMachinesKernel"
    do {
        _ = try JobWorker.run(request, send: { _ in }, shouldStop: { false })
        Issue.record("a job of another kernel was run")
    } catch {
        #expect("\(error)".contains("NotThisMachinesKernel") && "\(error)".contains(Numerics.current.blasCore), "\(error)")
    }
    // A checkpoint written under other numerics is not resumed (the job would mix two engines).
    request.blasCore = nil
    let own = try registeredJob(temporaryFolder("refuse-ckpt"), overrides: inProcessNumerics)
    defer { try? FileManager.default.removeItem(atPath: own.results) }
    #expect(try JobWorker.run(own, send: { _ in }, shouldStop: { true }) == .interrupted(epoch: 1))
    let path = try #require(FileManager.default.enumerator(atPath: own.results)?.compactMap { $0 as? String }.first { $0.hasSuffix(".ckpt") })
    let file = (own.results as NSString).appendingPathComponent(path)
    var checkpoint = try Checkpoint.read(from: file)
    #expect(checkpoint.metadata["extra.numerics"]?.contains("v\(NumericsVersion.current)") == true)
    // exp predict says when it computes under other numerics than the job did.
    let predictor = try Predictor(checkpoint: file)
    var here = Numerics.current
    here.mode = inProcessNumerics.isEmpty ? .portable : .native
    #expect(predictor.numericsWarning(machine: here) == nil)
    var elsewhere = here
    elsewhere.version += 1
    #expect(predictor.numericsWarning(machine: elsewhere)?.contains("probabilities may differ") == true)
    checkpoint.metadata["extra.numerics"] = "portable v0, 1 BLAS thread(s)"
    try checkpoint.write(to: file)
    do {
        _ = try JobWorker.run(own, send: { _ in }, shouldStop: { false })
        Issue.record("a checkpoint of other numerics was resumed")
    } catch {
        #expect("\(error)".contains("computed under portable v0"), "\(error)")
    }
}

@Test func anExperimentKeepsItsThreadsPerJob() throws {
    let folder = temporaryFolder("threads")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = try bothModelsSpec(in: folder)
    let results = (folder as NSString).appendingPathComponent("results")
    let first = try runCapturing(expExecutable, ["run", spec, "--results", results, "--only", "model=CNN(baseline),fold=0"])
    #expect(first.status == 0, "\(first.err)")
    // Its jobs trained with 1 BLAS thread each: 2 would give other bits, so the run is refused.
    let other = try runCapturing(expExecutable, ["run", spec, "--results", results, "--threads-per-job", "2"])
    #expect(other.status != 0 && other.err.contains("computes with 1 BLAS thread(s) per job, this run asks for 2"), "\(other.err)")
    #expect(other.err.contains("--threads-per-job 1"))
}
