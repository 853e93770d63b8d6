// `exp bench serve SPEC`: the run's wall time alone and while `exp serve` answers N clients, and
// the server's request latencies (Benchmarks' `ServeBenchmark`).

import ArgumentParser
import Benchmarks
import Foundation
import Runner

struct BenchServe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a spec alone, again while exp serve answers N polling clients, and alone again: the run's times, the requests' latency.")

    @Argument(help: "The experiment spec (JSON).") var spec: String
    @Option(name: .customLong("set"), help: "Override a spec value (repeatable).") var overrides: [String] = []
    @Option(help: "Worker processes at once.") var jobs = 2
    @Option(help: "Clients polling the server.") var clients = 50
    @Option(help: "Seconds between a client's requests.") var interval = 1.0

    func run() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exp-bench-serve-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        print("CPU: \(Measure.cpuDescription()); \(jobs) job(s) at once; \(clients) clients, one request each every \(interval) s")
        let r = try ServeBenchmark.run(executable: WorkerPool.currentExecutable, spec: spec,
                                       runArguments: ["--jobs", String(jobs)] + overrides.flatMap { ["--set", $0] }, folder: folder,
                                       clients: clients, interval: interval)
        let alone = (r.aloneSeconds + r.aloneAgainSeconds) / 2
        print(String(format: "run alone: %.1f s and %.1f s (they differ by %.1f%%); while served: %.1f s (%+.1f%% against their mean)",
                     r.aloneSeconds, r.aloneAgainSeconds, 100 * abs(r.aloneSeconds - r.aloneAgainSeconds) / alone,
                     r.servedSeconds, 100 * (r.servedSeconds - alone) / alone))
        print(String(format: "exp serve used %.1f CPU-seconds (%.1f%% of one core over the served run), the %d clients %.1f",
                     r.serverCPUSeconds, 100 * r.serverCPUSeconds / r.servedSeconds, clients, r.clientCPUSeconds))
        print(String(format: "requests: %d (%d failed); latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", r.requests, r.failures,
                     1000 * r.percentile(50), 1000 * r.percentile(90), 1000 * r.percentile(99), 1000 * (r.latencies.last ?? .nan)))
    }
}
