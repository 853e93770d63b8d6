// `exp verify`: retrains jobs of an experiment from scratch and compares them with the run log, bit
// for bit (see Runner/Verification.swift). Exit status 0: identical; 1: a difference (or an error).

import ArgumentParser
import Foundation
import RunLog
import Runner

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Retrain jobs of an experiment from scratch and compare every metric, prediction and file with the run log.",
        discussion: """
            By default run 0, fold 0 of every model. Prints `identical` or the first difference (job, epoch, key, both \
            values) with where each side computed, and a digest of each job and of all: the same digest on two machines \
            means the same bits. Exits 0 when identical, 1 otherwise.
            """)

    @Argument(help: "Experiment name or spec-hash prefix.") var experiment: String
    @Option(help: "Results folder.") var results = "results"
    @Option(help: "The jobs model=NAME,run=R,fold=F (any subset; run and fold default to 0, model to every model).") var only: String?
    @Option(help: "Worker processes at once.") var jobs = 1
    @Option(help: "Keep the retrained jobs in this folder (default: a temporary folder, removed after).") var scratch: String?

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    }

    func run() throws {
        try requireRunLog(results)
        var request = VerifyRequest(results: results, experiment: experiment, jobs: jobs)
        (request.onlyModel, request.onlyRun, request.onlyFold) = try parseOnly(only)
        request.scratch = scratch
        let outcome = try Verification.run(request, toolVersion: Exp.version, worker: WorkerPool.currentExecutable,
                                           progress: ProgressView(live: false))
        print("verify \(outcome.experiment.name) (\(outcome.experiment.specHash.prefix(12))), \(outcome.jobs.count) job(s):")
        for job in outcome.jobs {
            print("  \(job.name): \(job.difference == nil ? "identical" : "DIFFERENT")  digest \(job.digest)")
            if let d = job.difference {
                print("    first difference:\n      log:       \(d.logged)\n      retrained: \(d.retrained)")
                print("    log computed on:       \(job.loggedMachine)\n    retrained computed on: \(job.retrainedMachine)")
            }
        }
        print("digest \(outcome.digest)")
        print(outcome.identical ? "identical" : "different")
        if !outcome.identical { throw ExitCode(1) }
    }
}
