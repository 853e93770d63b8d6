// `exp bench ingest`: what taking in Slurm tasks' messages costs the submitting host (Benchmarks'
// `IngestBenchmark`): N tasks appending an epoch line every S seconds for T seconds, read by the
// Slurm executor's tailing and written to a run log by the coordinator.

import ArgumentParser
import Benchmarks
import Foundation
import Runner

struct BenchIngest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Lines per second and CPU of taking in Slurm tasks' messages files (tailing + run-log writes).",
        discussion: """
            A writer thread plays N tasks, each appending an HA-GAN epoch line (12 metrics and its send time) to its \
            messages file every S seconds (fsynced, as workers do); the coordinator, the Slurm executor \
            and a run log take them in, with Slurm replaced by a queue that reports every task running. \
            The CPU figure is this process's minus the writer's.
            """)

    @Option(help: "Simulated tasks writing at once.") var tasks = 1000
    @Option(help: "Seconds between two epoch lines of one task.") var interval = 10.0
    @Option(help: "Seconds of writing measured.") var seconds = 60.0
    @Option(help: "Seconds between two reads of the messages files up to 2,500 tasks, scaled beyond as exp run does (exp run uses 1).") var readInterval = 1.0
    @Option(help: "Folder for the messages files and the run log (default: a new temporary folder, removed after).") var folder: String?

    func validate() throws {
        guard (1...10_000).contains(tasks) else { throw ValidationError("--tasks \(tasks): use 1 to 10000") }
        guard interval > 0, seconds > 0, readInterval > 0 else { throw ValidationError("--interval, --seconds and --read-interval must be positive") }
    }

    func run() throws {
        let place = folder ?? FileManager.default.temporaryDirectory.appendingPathComponent("exp-bench-ingest-\(UUID().uuidString)").path
        defer { if folder == nil { try? FileManager.default.removeItem(atPath: place) } }
        print("CPU: \(Measure.cpuDescription())")
        print("\(tasks) tasks, one epoch line each every \(f1(interval)) s, \(f1(seconds)) s measured, messages files read every \(f1(SlurmExecutor.readInterval(readInterval, tasks: tasks))) s")
        let r = try IngestBenchmark.run(tasks: tasks, interval: interval, seconds: seconds, folder: place, readInterval: readInterval)
        print(String(format: "lines: %d written in %.1f s, %d taken in: %.1f lines/s (%.1f metric rows/s)", r.linesWritten, r.window,
                     r.linesIngested, r.ingestRate, r.ingestRate * Double(IngestBenchmark.rowsPerLine)))
        print(String(format: "delay from write to run log: median %.2f s, 99th percentile %.2f s, largest %.2f s", r.delayMedian, r.delayP99, r.delayMax))
        print(String(format: "coordinator CPU: %.2f s in %.1f s = %.2f%% of one core (tailing, parsing, run-log writes, progress; squeue itself not included)",
                     r.coordinatorCPU, r.window, r.coordinatorShare))
        print("run log: \(r.metricRows) metric rows")
    }
}
