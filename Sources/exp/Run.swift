// `exp run`, `exp status` and the hidden `exp worker`: the run manager's commands.

import ArgumentParser
import Dispatch
import Foundation
import RunLog
import Runner

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an experiment spec: every model x run x fold, resumable, logged to SQLite.",
        discussion: """
            Finished jobs are skipped and interrupted ones resume from their last epoch's checkpoint, so \
            running the same spec again continues where it stopped. Ctrl-C stops the workers after their \
            current epoch. See README.md for the spec format and the run-log schema.
            """)

    @Argument(help: "The experiment spec (JSON).") var spec: String
    @Option(help: "Worker processes at once.") var jobs = 1
    @Option(help: "BLAS threads per worker.") var threadsPerJob = 1
    @Option(help: "Results folder (run log, checkpoints, samples).") var results = "results"
    @Option(name: .customLong("set"), help: "Override a spec value, e.g. --set models[0].epochs=5 (repeatable).")
    var overrides: [String] = []
    @Flag(help: "Run failed and diverged jobs again.") var retryFailed = false
    @Option(help: "Only the jobs matching model=NAME,run=R,fold=F (any subset).") var only: String?

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        guard threadsPerJob >= 1 else { throw ValidationError("--threads-per-job must be at least 1, got \(threadsPerJob)") }
        _ = try onlyFilter()
    }

    func onlyFilter() throws -> (model: String?, run: Int?, fold: Int?) {
        guard let only else { return (nil, nil, nil) }
        var out: (model: String?, run: Int?, fold: Int?) = (nil, nil, nil)
        for part in only.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            switch (kv.first, kv.count == 2 ? kv[1] : nil) {
            case ("model", let v?): out.model = v
            case ("run", let v?) where Int(v) != nil: out.run = Int(v)
            case ("fold", let v?) where Int(v) != nil: out.fold = Int(v)
            default: throw ValidationError("--only '\(only)': expected model=NAME,run=R,fold=F (any subset, R and F integers)")
            }
        }
        return out
    }

    func run() throws {
        let started = Date()
        var request = RunRequest(specPath: spec, overrides: overrides, results: results,
                                 options: CoordinatorOptions(jobs: jobs, threadsPerJob: threadsPerJob, retryFailed: retryFailed))
        (request.onlyModel, request.onlyRun, request.onlyFold) = try onlyFilter()
        let live = ProgressView.stdoutIsTerminal
        // Ctrl-C reaches the workers too (same process group); the coordinator stops starting jobs
        // and records the interrupted ones.
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        var coordinator: Coordinator?
        var interrupts = 0
        source.setEventHandler {
            interrupts += 1
            if interrupts > 1 {
                // The run log and the checkpoints survive a kill at any moment: a rerun resumes.
                FileHandle.standardError.write(Data("\nstopping now; run the same command again to resume\n".utf8))
                _exit(130)
            }
            FileHandle.standardError.write(Data("\nstopping: workers finish their current epoch and checkpoint (Ctrl-C again stops at once)\n".utf8))
            coordinator?.requestStop()
        }
        source.resume()
        let progress = ProgressView(live: live)
        let (summary, experiment) = try ExperimentRun.run(
            request, toolVersion: Exp.version, worker: WorkerPool.currentExecutable, progress: progress,
            onCoordinator: { coordinator = $0 })
        let counts = JobStatus.allCases.compactMap { s in summary.counts[s].map { "\($0) \(s.rawValue)" } }
        print("experiment \(experiment.name) (\(experiment.specHash.prefix(12))): "
              + (counts.isEmpty ? "nothing to run" : counts.joined(separator: ", "))
              + (summary.skipped > summary.skippedUnfinished ? "; \(summary.skipped - summary.skippedUnfinished) already finished" : "")
              + (summary.skippedUnfinished > 0
                  ? "; \(summary.skippedUnfinished) failed or diverged in an earlier run, not run again: add --retry-failed to run them" : ""))
        print("run log: \(ResultsLayout(root: results).database)")
        if summary.workerSeconds > 0 {
            let share = 100 * summary.coordinatorCPUSeconds / summary.workerSeconds
            let total = Date().timeIntervalSince(started)
            print(String(format: "time: %.1f s in all: %.1f s of set-up (spec, data check, run log), %.1f s with workers running (%.1f worker-seconds); meanwhile the coordinator and run log used %.2f s of CPU, %.2f%% of the workers' time",
                         total, total - summary.wallSeconds, summary.wallSeconds, summary.workerSeconds,
                         summary.coordinatorCPUSeconds, share))
        }
        if summary.interrupted { throw ExitCode(130) }
        if !summary.allCompleted { throw ExitCode(2) }
    }
}

struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one job of an experiment (started by `exp run`; prints protocol lines).", shouldDisplay: false)

    @Option(help: "Results folder (the experiment's spec file, checkpoints, samples; never the run log).") var results: String
    @Option(help: "The experiment's spec hash.") var experiment: String
    @Option(help: "The job's id (names its checkpoint and samples).") var job: Int64
    @Option(help: "The job's model name.") var model: String
    @Option(name: .customLong("run"), help: "The job's run.") var runIndex: Int
    @Option(help: "The job's fold.") var fold: Int
    @Option(help: "The job's seed (as planned from the spec).") var seed: UInt64
    @Option var threads = 1

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let stop = StopFlag()
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { stop.set() }
        source.resume()
        let send: (WorkerMessage) -> Void = { m in
            FileHandle.standardOutput.write(Data(m.line().utf8))
        }
        do {
            let last = try JobWorker.run(
                WorkerRequest(results: results, experimentHash: experiment, jobID: job, modelName: model, run: runIndex, fold: fold,
                              seed: seed, threads: threads),
                send: send, shouldStop: { stop.isSet })
            if case .interrupted = last { throw ExitCode(130) }
        } catch let e as ExitCode {
            throw e
        } catch RunError.coordinatorGone {
            // Nobody reads this worker any more: stop at once, with the status of a killed process.
            throw ExitCode(137)
        } catch {
            send(.failed(message: String(describing: error)))
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the jobs of the experiments in a run log (also while a run goes on).")

    @Option(help: "Results folder.") var results = "results"
    @Option(help: "Experiment name or spec-hash prefix (default: every experiment).") var experiment: String?

    func run() throws {
        let path = ResultsLayout(root: results).database
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no run log at \(path): run `exp run SPEC` first, or pass --results")
        }
        let store = try RunStore(path: path, readOnly: true)
        defer { try? store.close() }
        let experiments = try experiment.map { [try store.experiment(matching: $0)] } ?? store.experiments()
        for e in experiments {
            let s = try store.statusSummary(experimentID: e.id)
            let counts = JobStatus.allCases.compactMap { st in s.counts[st].map { "\($0) \(st.rawValue)" } }
            print("\(e.name) (\(e.specHash.prefix(12)), \(e.tableName), created \(e.createdAt)): \(s.total) jobs, "
                  + counts.joined(separator: ", ") + ", epochs \(s.epochsDone)/\(s.epochsPlanned)")
            for p in s.jobs {
                let j = p.job
                var line = "  \(j.modelName) run \(j.run) fold \(j.fold): \(j.status.rawValue) \(j.epochsDone)/\(j.epochsPlanned)"
                for key in ["loss.d", "loss.g", "loss", "accuracy.test"] {
                    if let v = p.latestMetrics[key] { line += String(format: " %@ %.4f", key, v) }
                }
                if let err = j.error, j.status != .completed { line += " (" + (err.split(separator: "\n").first.map(String.init) ?? "") + ")" }
                print(line)
            }
        }
    }
}
