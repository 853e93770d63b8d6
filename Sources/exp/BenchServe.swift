// `exp bench serve SPEC`: the run's wall time alone and while `exp serve` answers N clients, and
// the server's request latencies (Benchmarks' `ServeBenchmark`).

import ArgumentParser
import Benchmarks
import Foundation
import Runner

struct BenchServe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a spec alone, then again while exp serve answers N polling clients: the run's time both ways, the requests' latency.")

    @Argument(help: "The experiment spec (JSON).") var spec: String
    @Option(name: .customLong("set"), help: "Override a spec value (repeatable).") var overrides: [String] = []
    @Option(help: "Worker processes at once.") var jobs = 2
    @Option(help: "Clients polling the server.") var clients = 50
    @Option(help: "Seconds between a client's requests.") var interval = 1.0

    func run() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("exp-bench-serve-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        print("CPU: \(IngestBenchmark.cpuDescription()); \(jobs) job(s) at once; \(clients) clients, one request each every \(interval) s")
        let r = try ServeBenchmark.run(executable: WorkerPool.currentExecutable, spec: spec,
                                       runArguments: ["--jobs", String(jobs)] + overrides.flatMap { ["--set", $0] }, folder: folder,
                                       clients: clients, interval: interval)
        print(String(format: "run alone: %.1f s; while served: %.1f s (%+.1f%%)", r.aloneSeconds, r.servedSeconds,
                     100 * (r.servedSeconds - r.aloneSeconds) / r.aloneSeconds))
        print(String(format: "requests: %d (%d failed); latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms", r.requests, r.failures,
                     1000 * r.percentile(50), 1000 * r.percentile(90), 1000 * r.percentile(99), 1000 * (r.latencies.last ?? .nan)))
    }
}
