// `exp run SPEC`: load and identify the spec, lock the results folder, register the experiment
// and its jobs in the run log, and hand the jobs that still need running to the coordinator and
// its executor (local worker processes or Slurm). Where its files go is `ResultsLayout` (RunLog).

import FaceData
import Foundation
import NN
import RunLog
import Spec

/// Where the workers run. Neither choice is part of the spec: a spec run locally and on Slurm is
/// one experiment (one hash), with the same numbers bit for bit for the same threads per job.
public enum ExecutorChoice: Sendable, Equatable {
    /// Worker processes on this host, `jobs` at once (`--executor local`, the default).
    case local(jobs: Int)
    /// Tasks of Slurm job arrays (`--executor slurm`).
    case slurm(SlurmOptions)
}

public struct RunRequest: Sendable {
    public var specPath: String
    public var overrides: [String]
    public var results: String
    public var executor: ExecutorChoice = .local(jobs: 1)
    public var options: CoordinatorOptions
    /// Only jobs matching every given field run (model name, run, fold).
    public var onlyModel: String?
    public var onlyRun: Int?
    public var onlyFold: Int?
    /// `--sweep key=v1,v2,...` options: one experiment per value (per combination of values).
    public var sweeps: [String] = []
    /// Trains every job even when an equal one (the same `JobIdentity`) has completed in the
    /// results folder, instead of reusing it (`--no-reuse`).
    public var noReuse = false
    /// Plans the run first (`RunPlan`) and refuses one the disk or memory cannot hold.
    public var plans = true
    /// Starts even when the plan says the disk or the memory is too small (`--force`).
    public var force = false

    public init(specPath: String, overrides: [String] = [], results: String = "results", options: CoordinatorOptions = CoordinatorOptions()) {
        self.specPath = specPath
        self.overrides = overrides
        self.results = results
        self.options = options
    }
}

/// Errors of the run command that are about the user's input or environment.
public enum RunError: Error, CustomStringConvertible {
    case datasetRootMissing(kind: String, path: String)
    case noJobsMatch(String)
    case trainingDataUnreadable(epoch: Int, detail: String)
    /// A worker was given a job its experiment's spec does not plan (model, run, fold and seed).
    case jobNotInPlan(job: String, reason: String)
    /// A worker's coordinator exited before the worker could tie its own life to it: the worker
    /// stops before it writes anything (`exp worker` exits with status 137, as if killed).
    case coordinatorGone
    /// `--sweep` with `--executor slurm`, which runs one experiment per `exp run`.
    case sweepOnSlurm
    /// The worker's machine or build would compute other bits than the job's experiment.
    case numerics(job: String, reason: String)
    /// An experiment whose jobs trained with another BLAS thread count per job.
    case threadsDiffer(experiment: String, recorded: Int, asked: Int)

    public var description: String {
        switch self {
        case .datasetRootMissing(let kind, let path):
            return "the \(kind) dataset root \(path) does not exist; set dataset.root in the spec or pass --set dataset.root=/path/to/data"
        case .noJobsMatch(let filter):
            return "no job of the experiment matches --only \(filter)"
        case .trainingDataUnreadable(let epoch, let detail):
            return "epoch \(epoch): a training batch could not be loaded: \(detail). The checkpoint of the epoch before is kept: "
                + "restore the file and run again with --retry-failed"
        case .jobNotInPlan(let job, let reason):
            return "the worker's job, \(job), is not in the experiment's plan: \(reason)"
        case .coordinatorGone:
            return "the coordinator that started this worker has already exited; the worker stops"
        case .sweepOnSlurm:
            return "--sweep runs with --executor local only; on Slurm, run each value as its own experiment with --set KEY=VALUE"
        case .numerics(let job, let reason):
            return "the worker refuses its job, \(job): \(reason)"
        case .threadsDiffer(let experiment, let recorded, let asked):
            return "experiment \(experiment) computes with \(recorded) BLAS thread(s) per job, this run asks for \(asked): "
                + "a job's bits depend on it (OpenBLAS splits its sums among the threads); run it with --threads-per-job \(recorded), "
                + "or change the spec to run a new experiment"
        }
    }
}

extension ResultsLayout {
    /// The face cache every job of every experiment in this folder shares (detections and aligned
    /// faces, keyed by image content and alignment settings).
    public var faces: FaceCache { FaceCache(folder: (root as NSString).appendingPathComponent("faces")) }
}

public enum ExperimentRun {
    /// What one `exp run` ran: the summary over all its jobs, its experiments (one, or a sweep's
    /// in order) and the sweep when there is one.
    public struct Outcome {
        public var summary: RunSummary
        public var experiments: [ExperimentRecord]
        public var sweep: SweepRecord?
        /// Jobs copied from an equal completed job: (job name, the experiment that computed it).
        public var reused: [(job: String, from: String)] = []
    }

    /// The specs of a run: the one at `path`, or with `sweeps` every experiment of the sweep, in
    /// order. Every spec is decoded before anything is written.
    public static func loadSpecs(path: String, overrides: [String], sweeps: [String]) throws -> (specs: [LoadedSpec], sweep: ExpandedSweep?) {
        let sweep = sweeps.isEmpty ? nil : try SpecSweep.expand(path: path, overrides: overrides, sweeps: sweeps)
        let specs = try sweep.map { $0.points.map(\.loaded) } ?? [SpecLoader.load(path: path, overrides: overrides)]
        return (specs, sweep)
    }

    /// Runs an experiment (or, with `request.sweeps`, every experiment of the sweep, their jobs
    /// scheduled together) to the end or until stopped, and returns the summary of this run.
    /// Before anything is written it plans the run (`onPlan` receives it) and refuses one the
    /// disk or the memory cannot hold (unless `request.force`). A run that stops before its first
    /// job starts leaves no results folder it created behind.
    public static func run(
        _ request: RunRequest, toolVersion: String, worker: URL, progress: ProgressSink?,
        onPlan: (RunPlan) -> Void = { _ in }, onCoordinator: (Coordinator) -> Void = { _ in }
    ) throws -> Outcome {
        let (specs, sweep) = try loadSpecs(path: request.specPath, overrides: request.overrides, sweeps: request.sweeps)
        for spec in specs.map(\.spec) where spec.dataset.kind != .synthetic {
            if let root = spec.dataset.root, !FileManager.default.fileExists(atPath: root) {
                throw RunError.datasetRootMissing(kind: spec.dataset.kind.rawValue, path: root)
            }
        }
        // Absolute, so that workers started anywhere (Slurm nodes, other working folders) find it.
        let layout = ResultsLayout(root: URL(fileURLWithPath: request.results).standardizedFileURL.path)
        if sweep != nil, case .slurm = request.executor { throw RunError.sweepOnSlurm }
        var executorChoice = request.executor
        if request.plans {
            let plan = try Planner.plan(planRequest(request, specs: specs, results: layout.root)) { loaded, model, copies in
                try Calibration.measure(spec: loaded, model: model.name, threads: request.options.threadsPerJob, executable: worker,
                                        copies: copies)
            }
            onPlan(plan)
            if !request.force, let refusal = plan.refusal { throw refusal }
            if case .slurm(var options) = executorChoice {
                if let given = options.time, let seconds = SlurmDuration.seconds(given),
                   let longest = plan.models.filter({ $0.jobs > 0 }).map(\.secondsPerJob).max(), seconds < longest {
                    progress?.notice("--time \(given) is shorter than the plan's estimate of the longest job (\(durationText(longest))): "
                                     + "tasks may reach their limit; each resumes from its checkpoint when run again")
                }
                options.time = options.time ?? plan.slurmTimeLimit
                options.memory = options.memory ?? plan.slurmMemory
                executorChoice = .slurm(options)
            }
        }
        let executor: Executor
        switch executorChoice {
        case .local(let jobs):
            executor = WorkerPool(executable: worker, capacity: jobs)
        case .slurm(let options):
            // Asks Slurm for its limits now: a cluster that does not answer stops the run before
            // the results folder is touched.
            executor = try SlurmExecutor(executable: worker, results: layout.root, experimentHash: specs[0].hash, options: options)
        }
        return try run(request, specs: specs, sweep: sweep, layout: layout, executor: executor, toolVersion: toolVersion,
                       progress: progress, onCoordinator: onCoordinator)
    }

    /// What the planner needs of a run request.
    static func planRequest(_ request: RunRequest, specs: [LoadedSpec], results: String) -> PlanRequest {
        var plan = PlanRequest(specs: specs, results: results)
        plan.threadsPerJob = request.options.threadsPerJob
        plan.retryFailed = request.options.retryFailed
        (plan.onlyModel, plan.onlyRun, plan.onlyFold) = (request.onlyModel, request.onlyRun, request.onlyFold)
        switch request.executor {
        case .local(let jobs): plan.parallel = jobs
        case .slurm(let options):
            plan.slurm = true
            plan.parallel = options.maxRunning
        }
        return plan
    }

    /// The run in its results folder, locked. What the run creates there is removed again when it
    /// stops before its first job starts (a data set that cannot be read, say): the results folder
    /// when it was new, else a run log and spec files that were not there. Only the holder of the
    /// lock looks and removes, so no other run's files are touched.
    private static func run(
        _ request: RunRequest, specs: [LoadedSpec], sweep: ExpandedSweep?, layout: ResultsLayout, executor: Executor, toolVersion: String,
        progress: ProgressSink?, onCoordinator: (Coordinator) -> Void
    ) throws -> Outcome {
        let lock = try ResultsLock(folder: layout.root)
        defer { withExtendedLifetime(lock) {} }
        let files = FileManager.default
        let lockName = (lock.path as NSString).lastPathComponent
        let newFolder = ((try? files.contentsOfDirectory(atPath: layout.root)) ?? []).allSatisfy { $0 == lockName }
        let newFiles = ([layout.database] + specs.map { layout.specFile($0.hash) }).filter { !files.fileExists(atPath: $0) }
        var started = false
        do {
            return try registerAndRun(request, specs: specs, sweep: sweep, layout: layout, executor: executor, toolVersion: toolVersion,
                                      progress: progress, started: &started, onCoordinator: onCoordinator)
        } catch {
            if !started {
                if newFolder {
                    for entry in (try? files.contentsOfDirectory(atPath: layout.root)) ?? [] where entry != lockName {
                        try? files.removeItem(atPath: (layout.root as NSString).appendingPathComponent(entry))
                    }
                    unlink(lock.path)
                    rmdir(layout.root)
                } else {
                    for path in newFiles {
                        try? files.removeItem(atPath: path)
                        if path == layout.database { for suffix in ["-wal", "-shm"] { try? files.removeItem(atPath: path + suffix) } }
                    }
                    // The spec files' folder, when this run made it (rmdir leaves a folder that is not empty).
                    rmdir((layout.specFile(specs[0].hash) as NSString).deletingLastPathComponent)
                }
            }
            throw error
        }
    }

    /// Registers the experiments and hands their jobs to the coordinator; `started` becomes true
    /// once the coordinator has them. The run log is closed when it returns.
    private static func registerAndRun(
        _ request: RunRequest, specs: [LoadedSpec], sweep: ExpandedSweep?, layout: ResultsLayout, executor: Executor, toolVersion: String,
        progress: ProgressSink?, started: inout Bool, onCoordinator: (Coordinator) -> Void
    ) throws -> Outcome {

        // Writes that find the log locked wait for it (telling the progress sink); the coordinator,
        // the only caller, is blocked meanwhile, and the workers' reports queue in the pool.
        nonisolated(unsafe) let sink = progress
        let store = try RunStore(path: layout.database, onBusy: { sink?.runLogBusy($0) })
        // Closed before the lock is released: the last connection to close folds the WAL back into
        // the database, so a reader that opens the log after `exp run` ends sees one whole file.
        defer { try? store.close() }

        var planned: [PlannedJob] = []
        var experimentIDs: [Int64] = []
        var reused: [(job: String, from: String)] = []
        var hashes: [Int64: String] = [:]
        for loaded in specs {
            let prepared = try prepare(loaded, request: request, layout: layout, store: store, toolVersion: toolVersion,
                                       namePrefix: sweep == nil ? "" : "\(loaded.spec.name) ")
            for note in try earlierNumerics(of: loaded, store: store) { progress?.notice(note) }
            experimentIDs.append(prepared.id)
            planned += prepared.jobs
            reused += prepared.reused
            hashes.merge(prepared.hashes) { a, _ in a }
        }
        // Jobs computed once: of several planned jobs with one identity (a sweep's unchanged
        // baseline), the first runs and the others take its results when it has completed.
        var copies: [PlannedJob] = []
        if !request.noReuse {
            let all = planned
            // Jobs never started; a started one trains on (its checkpoint may hold epochs).
            let fresh = Set(try all.map { try store.job(id: $0.id) }.filter { $0.status == .pending && $0.attempts == 0 }.map(\.id))
            var seen = Set(all.filter { !fresh.contains($0.id) }.compactMap { hashes[$0.id] })
            planned = all.filter { job in !fresh.contains(job.id) || (hashes[job.id].map { seen.insert($0).inserted } ?? true) }
            copies = all.filter { job in !planned.contains { $0.id == job.id } }
        }
        var sweepRecord: SweepRecord?
        if let sweep {
            let id = try store.registerSweep(
                hash: sweep.hash, name: sweep.name, specPath: sweep.specPath, options: sweep.options, overrides: sweep.overrides,
                experiments: zip(experimentIDs, sweep.points).map { ($0, $1.assignments) })
            sweepRecord = try store.sweeps().first { $0.id == id }
        }
        if planned.isEmpty {
            throw RunError.noJobsMatch([request.onlyModel.map { "model=\($0)" }, request.onlyRun.map { "run=\($0)" },
                                        request.onlyFold.map { "fold=\($0)" }].compactMap { $0 }.joined(separator: ","))
        }
        let coordinator = Coordinator(log: store, executor: executor, options: request.options, progress: progress)
        onCoordinator(coordinator)
        started = true
        var summary = try coordinator.run(planned)
        if !copies.isEmpty {
            var waiting = Dictionary(uniqueKeysWithValues: copies.map { ($0.id, $0.name) })
            for id in experimentIDs {
                for copy in try store.reuseCompletedJobs(experimentID: id) {
                    guard let name = waiting.removeValue(forKey: copy.job) else { continue }
                    reused.append((name, copy.sourceExperiment))
                    summary.counts[.completed, default: 0] += 1
                }
            }
            // Copies whose job did not complete (stopped, failed) wait for the next run.
            if !waiting.isEmpty { summary.counts[.pending, default: 0] += waiting.count }
        }
        return Outcome(summary: summary, experiments: try specs.map { try store.experiment(matching: $0.hash) }, sweep: sweepRecord,
                       reused: reused)
    }

    /// Experiments of the log with this spec's name that ran under other numerics (an earlier engine,
    /// or the other mode): this build does not resume them, and the run is a new experiment. Says so.
    static func earlierNumerics(of loaded: LoadedSpec, store: RunStore) throws -> [String] {
        let current = "\(loaded.spec.numerics.mode.rawValue) v\(loaded.spec.numerics.version)"
        return try store.experiments().filter { $0.name == loaded.spec.name && $0.specHash != loaded.hash && $0.numerics != current }
            .map { e in
                let computed = e.numerics.map { "under numerics \($0)" } ?? "by an engine before numerics versions"
                let commit = e.provenance.gitCommit.map { " (commit \($0.prefix(12)))" } ?? ""
                return "the log also holds experiment \(e.name) (\(e.specHash.prefix(12))), computed \(computed)\(commit); "
                    + "this build computes under \(current) and does not resume it: this run is experiment \(loaded.hash.prefix(12)). "
                    + "To finish the earlier one, run it with the build that began it"
            }
    }

    /// Registers one experiment (spec file, data check, provenance, folds, jobs) and returns its id
    /// and the jobs of it that `request` selects, ready for the coordinator.
    static func prepare(_ loaded: LoadedSpec, request: RunRequest, layout: ResultsLayout, store: RunStore, toolVersion: String,
                        namePrefix: String)
        throws -> (id: Int64, jobs: [PlannedJob], reused: [(job: String, from: String)], hashes: [Int64: String]) {
        let spec = loaded.spec
        let specFile = layout.specFile(loaded.hash)
        try FileManager.default.createDirectory(atPath: (specFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(loaded.canonicalJSON.utf8).write(to: URL(fileURLWithPath: specFile), options: .atomic)

        let fingerprint = spec.dataset.kind == .synthetic ? nil : try spec.dataset.root.map { try DatasetFingerprint.ofDirectory($0) }
        // Loading the data here finds a bad root, unreadable files, faces that cannot be found or
        // too few subjects for the folds before any worker starts; it also fills the face cache, so
        // the workers detect nothing.
        layout.faces.removeUnfinishedFiles()
        let dataset = try JobData.dataset(spec, cache: layout.faces)
        var provenance = ProvenanceProbe.collect(
            toolVersion: toolVersion, sourceDirectory: FileManager.default.currentDirectoryPath,
            blasConfig: BLAS.configuration, blasThreads: request.options.threadsPerJob, datasetFingerprint: fingerprint)
        provenance.faceAlignment = dataset.alignment?.json
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        provenance.machine = (try? encoder.encode(Numerics.current)).map { String(decoding: $0, as: UTF8.self) }
        // So is a character domain HA-GAN cannot use (a missing FERG-DB root, an unknown character).
        if spec.models.contains(where: { $0.kind == .hagan }) { _ = try JobData.characterDomain(spec) }
        let (experimentID, _) = try store.registerExperiment(loaded, provenance: provenance, classNames: JobData.classNames(spec))
        let threads = try store.settleThreads(experimentID: experimentID, threads: request.options.threadsPerJob)
        if threads.recorded != request.options.threadsPerJob {
            throw RunError.threadsDiffer(experiment: "\(spec.name) (\(loaded.hash.prefix(12)))", recorded: threads.recorded,
                                         asked: request.options.threadsPerJob)
        }
        try JobData.recordFolds(spec, dataset: dataset, store: store, experimentID: experimentID)
        let jobKeys = plan(spec)
        var records = try store.upsertJobs(experimentID: experimentID, jobKeys)
        try store.interruptStaleJobs(experimentID: experimentID)
        // Each job's identity; a job equal to one completed elsewhere in the log is copied from it.
        var hashes: [Int64: String] = [:]
        for r in records {
            guard let key = jobKeys.first(where: { $0.modelName == r.modelName && $0.run == r.run && $0.fold == r.fold }),
                  let model = spec.models.first(where: { $0.name == r.modelName }) else { continue }
            hashes[r.id] = try JobIdentity.hash(spec: spec, model: model, job: key, datasetFingerprint: fingerprint,
                                                threads: request.options.threadsPerJob)
        }
        try store.setJobHashes(hashes)
        var reused: [(job: String, from: String)] = []
        if !request.noReuse {
            let copied = try store.reuseCompletedJobs(experimentID: experimentID)
            for copy in copied {
                if let r = records.first(where: { $0.id == copy.job }) {
                    reused.append(("\(namePrefix)\(r.modelName) run \(r.run) fold \(r.fold)", copy.sourceExperiment))
                }
            }
            if !copied.isEmpty { records = try store.jobs(experimentID: experimentID) }
        }
        // A native experiment's jobs compute with the OpenBLAS kernel its first job had.
        let blasCore = spec.numerics.mode == .native ? try store.firstBLASCore(experimentID: experimentID) : nil
        // Each job's files are named for its model, run and fold. Checkpoints and sample grids
        // half-written by a worker killed mid-write (`.ha-gan-run0-fold1.ckpt.tmp-PID`,
        // `.epoch-0010.png.tmp-PID`): nothing reads them, and the lock says no local worker of this
        // folder is alive to finish them. Jobs still running as Slurm tasks (left by a killed or
        // detached run) may be writing theirs: those are kept.
        let fileNames = Dictionary(uniqueKeysWithValues: records.map { ($0.id, JobFileName(modelName: $0.modelName, run: $0.run, fold: $0.fold)) })
        let executions = try store.executions(experimentID: experimentID)
        let handedOff = try store.jobs(experimentID: experimentID).filter { $0.status == .running && executions[$0.id] != nil }
        layout.removeUnfinishedFiles(loaded.hash, keeping: Set(handedOff.compactMap { fileNames[$0.id] }))

        let selected = records.filter { r in
            (request.onlyModel.map { $0 == r.modelName } ?? true) && (request.onlyRun.map { $0 == r.run } ?? true)
                && (request.onlyFold.map { $0 == r.fold } ?? true)
        }
        // Each worker is given its job by value and never opens the run log.
        let jobs = selected.map { r in
            PlannedJob(id: r.id, name: "\(namePrefix)\(r.modelName) run \(r.run) fold \(r.fold)",
                       arguments: WorkerRequest(results: layout.root, experimentHash: loaded.hash, jobID: r.id, modelName: r.modelName,
                                                run: r.run, fold: r.fold, seed: r.seed, threads: request.options.threadsPerJob,
                                                checkpoint: fileNames[r.id].map { layout.relative(layout.checkpoint(loaded.hash, job: $0)) },
                                                blasCore: blasCore).arguments,
                       environment: [Numerics.modeVariable: spec.numerics.mode.rawValue])
        }
        return (experimentID, jobs, reused, hashes)
    }
}
