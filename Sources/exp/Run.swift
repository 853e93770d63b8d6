// `exp run`: runs an experiment spec's jobs with local worker processes or as Slurm array tasks.

import ArgumentParser
import Dispatch
import Foundation
import RunLog
import Runner

enum ExecutorName: String, ExpressibleByArgument, CaseIterable {
    case local, slurm
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an experiment spec: every model x run x fold, resumable, logged to SQLite.",
        discussion: """
            Finished jobs are skipped and interrupted ones resume from their last epoch's checkpoint, so \
            running the same spec again continues where it stopped. Ctrl-C stops the workers after their \
            current epoch. With --executor slurm the jobs are submitted as Slurm array tasks (the results \
            folder must be on a filesystem the nodes share); running the same command again attaches to \
            tasks still running and submits nothing twice. With --sweep KEY=V1,V2,... the spec is expanded \
            into one experiment per value (several --sweep options: one per combination), each named for \
            its values, e.g. demo[models[1].l1Weight=10], and their jobs are run together; running the same \
            command again resumes the sweep. See README.md for the spec format, the run-log \
            schema and running on a Slurm cluster.
            """)

    @Argument(help: "The experiment spec (JSON).") var spec: String
    @Option(help: "Where the jobs run: local (worker processes on this host) or slurm (Slurm job arrays).")
    var executor: ExecutorName = .local
    @Option(help: "Worker processes at once (--executor local; default 1).") var jobs: Int?
    @Option(help: "BLAS threads per worker (with slurm, also each task's --cpus-per-task).") var threadsPerJob = 1
    @Option(help: "Results folder (run log, checkpoints, samples).") var results = "results"
    @Option(name: .customLong("set"), help: "Override a spec value, e.g. --set models[0].epochs=5 (repeatable).")
    var overrides: [String] = []
    @Option(name: .customLong("sweep"),
            help: ArgumentHelp("Run one experiment per value, e.g. --sweep models[1].l1Weight=1,10,100 (repeatable: every combination).",
                               valueName: "key=v1,v2,..."))
    var sweeps: [String] = []
    @Flag(help: "Run failed and diverged jobs again.") var retryFailed = false
    @Flag(help: "Train every job, also those equal to a job completed in the results folder (by default those are reused).")
    var noReuse = false
    @Option(help: "Only the jobs matching model=NAME,run=R,fold=F (any subset).") var only: String?
    @Option(help: "Slurm: the partition to submit to.") var partition: String?
    @Option(help: "Slurm: time limit of each task, as sbatch's --time (e.g. 24:00:00).") var time: String?
    @Option(help: "Slurm: memory of each task, as sbatch's --mem (e.g. 4G).") var mem: String?
    @Option(help: "Slurm: tasks of an array running at once (the array throttle, --array=...%N).") var maxRunning: Int?
    @Option(name: .customLong("sbatch-arg"), parsing: .unconditionalSingleValue,
            help: "Slurm: one more sbatch option, e.g. --sbatch-arg=--account=proj123 (repeatable; given last).")
    var sbatchArgs: [String] = []
    @Flag(help: "Start even when the plan finds too little free disk or memory for the run.") var force = false
    @Flag(help: "Slurm: submit and return; running the same command again attaches to the tasks and ingests what they wrote.")
    var detach = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        guard threadsPerJob >= 1 else { throw ValidationError("--threads-per-job must be at least 1, got \(threadsPerJob)") }
        if let maxRunning, maxRunning < 1 { throw ValidationError("--max-running must be at least 1, got \(maxRunning)") }
        switch executor {
        case .local:
            let slurmOnly = [partition.map { _ in "--partition" }, time.map { _ in "--time" }, mem.map { _ in "--mem" },
                             maxRunning.map { _ in "--max-running" }, sbatchArgs.isEmpty ? nil : "--sbatch-arg", detach ? "--detach" : nil]
                .compactMap { $0 }
            if !slurmOnly.isEmpty {
                throw ValidationError("\(slurmOnly.joined(separator: ", ")) only apply to --executor slurm")
            }
        case .slurm:
            if !sweeps.isEmpty {
                throw ValidationError("--sweep runs with --executor local only; on Slurm, run each value as its own experiment with --set KEY=VALUE")
            }
            if jobs != nil {
                throw ValidationError("--jobs is for --executor local; with --executor slurm, --max-running limits the tasks running at once")
            }
        }
        _ = try onlyFilter()
    }

    func onlyFilter() throws -> (model: String?, run: Int?, fold: Int?) { try parseOnly(only) }

    var executorChoice: ExecutorChoice {
        switch executor {
        case .local:
            return .local(jobs: jobs ?? 1)
        case .slurm:
            return .slurm(SlurmOptions(partition: partition, time: time, memory: mem, cpusPerTask: threadsPerJob, maxRunning: maxRunning,
                                       extraArguments: sbatchArgs))
        }
    }

    func run() throws {
        let started = Date()
        var request = RunRequest(specPath: spec, overrides: overrides, results: results,
                                 options: CoordinatorOptions(threadsPerJob: threadsPerJob, retryFailed: retryFailed, detach: detach))
        request.executor = executorChoice
        (request.onlyModel, request.onlyRun, request.onlyFold) = try onlyFilter()
        request.sweeps = sweeps
        request.noReuse = noReuse
        request.force = force
        let live = ProgressView.stdoutIsTerminal
        // Ctrl-C reaches local workers too (same process group); the coordinator stops starting
        // jobs, has Slurm cancel the pending tasks and signal the running ones, and records the
        // interrupted jobs.
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
        let outcome = try ExperimentRun.run(
            request, toolVersion: Exp.version, worker: WorkerPool.currentExecutable, progress: progress,
            onPlan: { plan in
                print("plan (exp plan prints it alone):")
                for line in plan.lines { print("  " + line) }
                fflush(stdout)
            },
            onCoordinator: { coordinator = $0 })
        let summary = outcome.summary
        var counts = JobStatus.allCases.compactMap { s in summary.counts[s].map { "\($0) \(s.rawValue)" } }
        if summary.detached > 0 { counts.append("\(summary.detached) left running in Slurm") }
        var line: String
        if let sweep = outcome.sweep {
            line = "sweep \(sweep.hash.prefix(12)) of \(sweep.name), \(outcome.experiments.count) experiments: "
        } else {
            let experiment = outcome.experiments[0]
            line = "experiment \(experiment.name) (\(experiment.specHash.prefix(12))): "
        }
        line += counts.isEmpty ? "nothing to run" : counts.joined(separator: ", ")
        if summary.skipped > summary.skippedUnfinished { line += "; \(summary.skipped - summary.skippedUnfinished) already finished" }
        if summary.skippedUnfinished > 0 {
            line += "; \(summary.skippedUnfinished) failed or diverged in an earlier run, not run again: add --retry-failed to run them"
        }
        print(line)
        if !outcome.reused.isEmpty {
            print("reused \(outcome.reused.count) job(s) computed before with the same identity (--no-reuse trains them anyway):")
            for r in outcome.reused { print("  \(r.job): from experiment \(r.from)") }
        }
        if let sweep = outcome.sweep {
            for e in outcome.experiments { print("  \(e.specHash.prefix(12))  \(e.name)") }
            print("compare them: exp compare --sweep \(sweep.hash.prefix(12))\(results == "results" ? "" : " --results \(results)")")
        }
        print("run log: \(ResultsLayout(root: results).database)")
        if summary.detached > 0 {
            print("detached: `exp status --results \(results)` shows the tasks; run the same command again (without --detach) "
                  + "to attach to them and take in what they wrote")
            return
        }
        if summary.workerSeconds > 0 {
            let share = 100 * summary.coordinatorCPUSeconds / summary.workerSeconds
            let total = Date().timeIntervalSince(started)
            let workers = executor == .slurm ? "task-seconds, submission to end" : "worker-seconds"
            print(String(format: "time: %.1f s in all: %.1f s of set-up (spec, data check, run log), %.1f s with workers running (%.1f ",
                         total, total - summary.wallSeconds, summary.wallSeconds, summary.workerSeconds) + workers
                  + String(format: "); meanwhile the coordinator and run log used %.2f s of CPU, %.2f%% of the workers' time",
                           summary.coordinatorCPUSeconds, share))
        }
        if summary.interrupted { throw ExitCode(130) }
        if !summary.allCompleted { throw ExitCode(2) }
    }
}

/// `--only model=NAME,run=R,fold=F` (any subset) of `exp run` and `exp verify`.
func parseOnly(_ only: String?) throws -> (model: String?, run: Int?, fold: Int?) {
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
