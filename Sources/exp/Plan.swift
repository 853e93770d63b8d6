// `exp plan SPEC`: what running the spec would cost on this machine (time, core-hours, memory,
// disk), without running it; and `exp calibrate`, the hidden child process of its calibration.

import ArgumentParser
import Foundation
import Runner
import Spec

struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Estimate a spec's time, core-hours, memory and disk on this machine, without running it.",
        discussion: """
            Prints what `exp run` with the same options prints before it starts: the jobs still to train \
            (jobs finished in the results folder's run log are left out), per model the time of an epoch \
            and of a job, memory per job and checkpoint size; the run's wall time and core-hours; the disk \
            it adds. Times come from the run log's measured epochs of the same model and sizes on this host \
            when there are any, else from a calibration of a few training steps of each model (seconds). \
            With --executor slurm: the time and memory each task should ask for.
            """)

    @Argument(help: "The experiment spec (JSON).") var spec: String
    @Option(name: .customLong("set"), help: "Override a spec value (repeatable), as in exp run.") var overrides: [String] = []
    @Option(name: .customLong("sweep"), help: "Sweep a key, as in exp run (repeatable).") var sweeps: [String] = []
    @Option(help: "Where the jobs would run: local or slurm.") var executor: ExecutorName = .local
    @Option(help: "Worker processes at once (--executor local; default 1).") var jobs: Int?
    @Option(help: "Slurm: tasks running at once (default: all).") var maxRunning: Int?
    @Option(help: "BLAS threads per job.") var threadsPerJob = 1
    @Option(help: "Results folder whose run log holds finished jobs and measured epochs.") var results = "results"
    @Flag(help: "Count failed and diverged jobs as to be run again.") var retryFailed = false

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if let maxRunning, maxRunning < 1 { throw ValidationError("--max-running must be at least 1, got \(maxRunning)") }
        guard threadsPerJob >= 1 else { throw ValidationError("--threads-per-job must be at least 1, got \(threadsPerJob)") }
    }

    func run() throws {
        let specs = try ExperimentRun.loadSpecs(path: spec, overrides: overrides, sweeps: sweeps).specs
        var request = PlanRequest(specs: specs, results: URL(fileURLWithPath: results).standardizedFileURL.path)
        request.threadsPerJob = threadsPerJob
        request.slurm = executor == .slurm
        request.parallel = executor == .slurm ? maxRunning : jobs ?? 1
        request.retryFailed = retryFailed
        let plan = try Planner.plan(request) { loaded, model, copies in
            try Calibration.measure(spec: loaded, model: model.name, threads: threadsPerJob, executable: WorkerPool.currentExecutable,
                                    copies: copies)
        }
        for line in plan.lines { print(line) }
    }
}

struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Calibrate one model of a spec read from stdin (started by exp plan and exp run).", shouldDisplay: false)

    @Option(help: "The model's name.") var model: String
    @Option(help: "BLAS threads.") var threads = 1

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        let loaded = try SpecLoader.load(bytes: [UInt8](input))
        guard let model = loaded.spec.models.first(where: { $0.name == self.model }) else {
            throw ValidationError("the spec has no model named '\(self.model)'")
        }
        let result = try Calibration.run(spec: loaded.spec, model: model, threads: threads)
        print(String(decoding: try JSONEncoder().encode(result), as: UTF8.self))
    }
}
