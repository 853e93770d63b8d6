// `exp bench plan SPEC`: the plan's estimates beside a real run of the spec (Benchmarks'
// `PlanBenchmark`): wall time, time per epoch of each model, disk and peak memory, with the errors.

import ArgumentParser
import Benchmarks
import Foundation
import RunLog
import Runner

struct BenchPlan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Run a spec and print how far exp plan's estimates were from the run (time, disk, memory).",
        discussion: """
            Runs the spec with --jobs N in --results (default: a new temporary folder, removed after, so \
            the plan comes from a calibration; a folder with earlier runs of the same models gives a plan \
            from their measured epochs) and prints each planned figure beside the measured one.
            """)

    @Argument(help: "The experiment spec (JSON).") var spec: String
    @Option(name: .customLong("set"), help: "Override a spec value (repeatable).") var overrides: [String] = []
    @Option(help: "Worker processes at once.") var jobs = 1
    @Option(help: "Only the jobs matching model=NAME,run=R,fold=F.") var only: String?
    @Option(help: "Results folder (default: a new temporary folder, removed after).") var results: String?

    func run() throws {
        let place = results ?? FileManager.default.temporaryDirectory.appendingPathComponent("exp-bench-plan-\(UUID().uuidString)").path
        defer { if results == nil { try? FileManager.default.removeItem(atPath: place) } }
        var request = RunRequest(specPath: spec, overrides: overrides, results: place)
        request.executor = .local(jobs: jobs)
        (request.onlyModel, request.onlyRun, request.onlyFold) = try parseOnly(only)
        print("CPU: \(Measure.cpuDescription()); \(jobs) job(s) at once")
        let r = try PlanBenchmark.run(request, worker: WorkerPool.currentExecutable, toolVersion: Exp.version)
        func error(_ planned: Double, _ measured: Double) -> String { String(format: "%+.0f%%", 100 * (planned - measured) / measured) }
        print(String(format: "wall time: planned %.1f s, measured %.1f s (%@)", r.plannedWall, r.measuredWall, error(r.plannedWall, r.measuredWall)))
        for m in r.models {
            let measured = m.measuredEpoch.map { String(format: "measured %.2f s (%@)", $0, error(m.plannedEpoch, $0)) } ?? "not measured"
            print(String(format: "%@ per epoch: planned %.2f s, %@; planned from %@", m.name, m.plannedEpoch, measured, m.source))
        }
        print("disk: planned \(Bytes.text(r.plannedDisk)), written \(Bytes.text(r.measuredDisk)) (\(error(Double(r.plannedDisk), Double(r.measuredDisk))))")
        print("memory per job: planned \(Bytes.text(r.plannedMemory)), largest child process \(Bytes.text(r.measuredMemory)) "
              + "(\(error(Double(r.plannedMemory), Double(r.measuredMemory))))")
    }
}
