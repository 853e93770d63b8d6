// `exp status`: the jobs of the experiments in a run log, with where each runs (the Slurm task's
// state, node and requeues, asked of squeue when it answers).

import ArgumentParser
import Foundation
import RunLog
import Runner

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
            let slurm = SlurmStatus.notes(jobs: s.jobs.map(\.job), executions: try store.executions(experimentID: e.id),
                                          results: (path as NSString).deletingLastPathComponent, experimentHash: e.specHash)
            for p in s.jobs {
                let j = p.job
                var line = "  \(j.modelName) run \(j.run) fold \(j.fold): \(j.status.rawValue) \(j.epochsDone)/\(j.epochsPlanned)"
                for key in ["loss.d", "loss.g", "loss", "accuracy.test"] {
                    if let v = p.latestMetrics[key] { line += String(format: " %@ %.4f", key, v) }
                }
                if let err = j.error, j.status != .completed { line += " (" + (err.split(separator: "\n").first.map(String.init) ?? "") + ")" }
                if let note = slurm[j.id] { line += " [\(note)]" }
                print(line)
            }
        }
    }
}
