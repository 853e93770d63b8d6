// What `exp run` does before it starts its workers, for tests that run `JobWorker` in process:
// the canonical spec saved in the results folder, the experiment and its jobs in the run log, and
// a job's worker request as `exp run` builds it (the job by value).

import Foundation
import RunLog
import Runner
import Spec

/// Registers `loaded` in the run log of `results` (created when missing) as `exp run` does;
/// returns its jobs.
func registerForWorkers(_ loaded: LoadedSpec, results: String) throws -> [JobRecord] {
    let layout = ResultsLayout(root: results)
    let specFile = layout.specFile(loaded.hash)
    try FileManager.default.createDirectory(atPath: (specFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try loaded.canonicalJSON.write(toFile: specFile, atomically: true, encoding: .utf8)
    let store = try RunStore(path: layout.database)
    defer { try? store.close() }
    let provenance = ProvenanceProbe.collect(toolVersion: "test", sourceDirectory: results, blasConfig: "", blasThreads: 1,
                                             datasetFingerprint: nil)
    let experiment = try store.registerExperiment(loaded, provenance: provenance).id
    return try store.upsertJobs(experimentID: experiment, plan(loaded.spec))
}

extension WorkerRequest {
    /// The request `exp run` gives the worker of `job`.
    init(results: String, experimentHash: String, job: JobRecord, threads: Int = 1) {
        self.init(results: results, experimentHash: experimentHash, jobID: job.id, modelName: job.modelName, run: job.run,
                  fold: job.fold, seed: job.seed, threads: threads)
    }
}
