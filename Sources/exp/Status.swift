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

    func run() throws {
        try requireRunLog(results)
        let path = ResultsLayout(root: results).database
        let store = try RunStore(path: path, readOnly: true)
        defer { try? store.close() }
        let experiments = try experiment.map { [try store.experiment(matching: $0)] } ?? store.experiments()
        let overview = Dictionary(try ExperimentComparisons.overview(results: results).map { ($0.hash, $0) }) { a, _ in a }
        for (index, e) in experiments.enumerated() {
            let s = try store.statusSummary(experimentID: e.id)
            let counts = JobStatus.allCases.compactMap { st in s.counts[st].map { "\($0) \(st.rawValue)" } }
            if index > 0 { print("") }
            print("\(e.name) (spec \(e.specHash.prefix(12)), table \(e.tableName), numerics \(e.numerics ?? "before numerics versions"), created \(e.createdAt.prefix(16).replacingOccurrences(of: "T", with: " "))): "
                  + "\(s.total) jobs, " + counts.joined(separator: ", ") + "; epochs \(s.epochsDone)/\(s.epochsPlanned)")
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
                            + keys.map { key in p.latestMetrics[key].map { String(format: "%.4f", $0) } ?? "-" } + [note])
            }
            TextTable.aligned(rows).forEach { print("  " + $0) }
        }
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
