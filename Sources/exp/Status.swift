// `exp status`: the jobs of the experiments in a run log, with where each runs (the Slurm task's
// state, node and requeues, asked of squeue when it answers).

import ArgumentParser
import Foundation
import Report
import RunLog
import Runner
import Vocabulary

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the jobs of the experiments in a run log (also while a run goes on).")

    @Option(help: "Results folder.") var results = "results"
    @Option(help: "Experiment name or spec-hash prefix (default: every experiment).") var experiment: String?
    @Flag(help: "Refresh every --interval seconds (in place on a terminal) until every job has ended; Ctrl-C leaves.") var watch = false
    @Option(help: "Seconds between two refreshes of --watch.") var interval = 2.0
    @Flag(help: "With --experiment NAME naming several experiments: the newest of them (else an error lists them).") var latest = false

    func validate() throws {
        guard interval >= 0.2 else { throw ValidationError("--interval must be at least 0.2 seconds, got \(interval)") }
    }

    func run() throws {
        try requireRunLog(results)
        guard watch else {
            _ = try show()
            return
        }
        let terminal = isatty(STDOUT_FILENO) == 1
        while true {
            // On a terminal the screen is drawn again from its top; elsewhere each view follows the last.
            if terminal { print("\u{1B}[H\u{1B}[2J", terminator: "") } else { print("--- \(Date())") }
            let open = try show()
            fflush(stdout)
            if !open { return }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// Prints the status once; returns whether any job shown may still train (pending, running, interrupted).
    private func show() throws -> Bool {
        let path = ResultsLayout(root: results).database
        let store = try RunStore(path: path, readOnly: true)
        defer { try? store.close() }
        let experiments = try experiment.map { [try store.experiment(matching: $0, latest: latest)] } ?? store.experiments()
        let overview = Dictionary(try ExperimentComparisons.overview(results: results).map { ($0.hash, $0) }) { a, _ in a }
        let intervals = try store.epochIntervals(host: nil)
        // A log whose run has not registered its experiment, or its jobs, yet is still to come.
        var open = experiments.isEmpty
        if experiments.isEmpty { print("no experiment in \(path) yet") }
        for (index, e) in experiments.enumerated() {
            let s = try store.statusSummary(experimentID: e.id)
            let counts = JobStatus.allCases.compactMap { st in s.counts[st].map { "\($0) \(st.rawValue)" } }
            if index > 0 { print("") }
            print("\(e.name) (spec \(e.specHash.prefix(12)), table \(e.tableName), numerics \(e.numerics ?? "before numerics versions"), created \(e.createdAt.prefix(16).replacingOccurrences(of: "T", with: " "))): "
                  + "\(s.total) jobs, " + counts.joined(separator: ", ") + "; epochs \(s.epochsDone)/\(s.epochsPlanned)")
            let eta = ExperimentETA.estimate(jobs: s.jobs.map(\.job), intervals: intervals.filter { $0.experimentID == e.id })
            // Until every job has its final status (a job past its last epoch still writes its predictions).
            if s.total == 0 || s.jobs.contains(where: { [.pending, .running, .interrupted].contains($0.job.status) }) { open = true }
            if eta.epochsLeft > 0 {
                open = true
                let pace = eta.epochSeconds.sorted { $0.key < $1.key }.map { "\($0.key) \(durationText($0.value))" }.joined(separator: ", ")
                print("  left: \(eta.epochsLeft) epochs; " + (eta.seconds.map { "about \(durationText($0)) at \(max(1, eta.running)) job(s) at once" }
                    ?? "no time estimate before every model has a measured epoch") + (pace.isEmpty ? "" : " (per epoch: \(pace))"))
            }
            if let o = overview[String(e.specHash.prefix(12))], !o.accuracies.isEmpty {
                // Until every job is done, the means pool only the completed folds.
                let partial = o.jobsDone < o.jobsTotal ? " (partial: \(o.jobsDone) of \(o.jobsTotal) jobs done)" : ""
                print("  mean test accuracy over runs (%)\(partial): "
                      + o.accuracies.map { "\($0.model) \(String(format: "%.2f", 100 * $0.mean))" }.joined(separator: ", "))
            }
            let slurm = SlurmStatus.notes(jobs: s.jobs.map(\.job), executions: try store.executions(experimentID: e.id),
                                          results: (path as NSString).deletingLastPathComponent, experimentHash: e.specHash)
            let keys = MetricKey.shown.map(\.rawValue).filter { key in s.jobs.contains { $0.latestMetrics[key] != nil } }
            var rows = [["model", "run", "fold", "status", "epochs", "time"] + keys + ["note"]]
            for p in s.jobs {
                let j = p.job
                var note = j.status == .completed ? "" : (j.error?.split(separator: "\n").first.map(String.init) ?? "")
                if let slurmNote = slurm[j.id] { note += (note.isEmpty ? "" : "; ") + slurmNote }
                rows.append([j.modelName, String(j.run), String(j.fold), j.status.rawValue, "\(j.epochsDone)/\(j.epochsPlanned)", duration(j)]
                            + keys.map { key in p.latestMetrics[key].map { value in
                                // Accuracies in percent, as everywhere a person reads them.
                                key.hasPrefix("accuracy") ? String(format: "%.2f%%", 100 * value) : String(format: "%.4f", value)
                            } ?? "-" } + [note])
            }
            TextTable.aligned(rows).forEach { print("  " + $0) }
        }
        return open
    }

    /// The job's time from its (last) start to its end, or to now while it runs; "-" before it starts.
    private func duration(_ j: JobRecord) -> String {
        let parse = ISO8601DateFormatter()
        parse.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let start = j.startedAt.flatMap({ parse.date(from: $0) }) else { return "-" }
        let end = j.status == .running ? Date() : (j.finishedAt.flatMap { parse.date(from: $0) } ?? Date())
        return formatDuration(max(0, end.timeIntervalSince(start)))
    }
}
