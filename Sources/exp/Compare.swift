// `exp ls` and `exp compare`: the experiments of a run log on one line each, and several of them
// side by side (the spec keys that differ, accuracies, paired tests over shared test sets).

import ArgumentParser
import Foundation
import Report
import RunLog
import Runner

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List the experiments of a run log: name, hash, table, jobs done, wall time and mean accuracy per model.")

    @Option(help: "Results folder holding runs.sqlite.") var results = "results"

    func run() throws {
        try requireRunLog(results)
        let rows = try ExperimentComparisons.overview(results: results)
        guard !rows.isEmpty else {
            print("no experiments in \(ResultsLayout(root: results).database) yet: run `exp run SPEC`")
            return
        }
        let withSweeps = rows.contains { !$0.sweeps.isEmpty }
        let header = ["name", "hash"] + (withSweeps ? ["sweep"] : []) + ["table", "created", "jobs", "wall time", "mean accuracy (%)"]
        let cells = rows.map { e -> [String] in
            let created = String(e.created.prefix(16)).replacingOccurrences(of: "T", with: " ")
            let sweep: [String] = withSweeps ? [e.sweeps.isEmpty ? "-" : e.sweeps.joined(separator: ",")] : []
            let accuracy = e.accuracies.isEmpty ? "-"
                : e.accuracies.map { "\($0.model) \(String(format: "%.2f", 100 * $0.mean))" }.joined(separator: ", ")
            let wall = e.wallSeconds.map { formatDuration($0) } ?? "-"
            return [e.name, e.hash] + sweep + [e.table, created, "\(e.jobsDone)/\(e.jobsTotal)", wall, accuracy]
        }
        // A tune's trial experiments are listed as their tune, one line each.
        let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
        let tunes = try store.tunes()
        let hashByID = Dictionary(uniqueKeysWithValues: try store.experiments().map { ($0.id, $0.specHash) })
        var trialHashes: Set<String> = []
        var tuneRows: [[String]] = []
        for tune in tunes {
            let trials = try store.trials(tuneID: tune.id)
            let experiments = trials.compactMap { hashByID[$0.experimentID] }
            trialHashes.formUnion(experiments.map { String($0.prefix(12)) })
            let models = Dictionary(grouping: trials, by: \.modelName)
            let chosen = trials.filter(\.chosen).map { "\($0.modelName) #\($0.trial)" }
            tuneRows.append([tune.name, String(tune.hash.prefix(12)), String(tune.createdAt.prefix(16)).replacingOccurrences(of: "T", with: " "),
                             models.keys.sorted().map { "\($0) \(models[$0]!.count)" }.joined(separator: ", "),
                             chosen.isEmpty ? "not finished" : chosen.joined(separator: ", ")])
        }
        let shown = cells.enumerated().filter { !trialHashes.contains(rows[$0.offset].hash) }.map(\.element)
        if !shown.isEmpty { TextTable.aligned([header] + shown).forEach { print($0) } }
        guard !tuneRows.isEmpty else { return }
        if !shown.isEmpty { print("") }
        print("tunes (each trial an experiment of its own; exp report --tune HASH shows them):")
        TextTable.aligned([["name", "hash", "created", "trials", "chosen"]] + tuneRows).forEach { print("  " + $0) }
    }
}

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare experiments: the spec keys that differ, mean accuracies side by side, paired tests over shared folds.",
        discussion: """
            Name two or more experiments by name or spec-hash prefix, or a sweep with --sweep (its name or \
            sweep-hash prefix, as `exp ls` and `exp run --sweep` print it): its experiments in order, \
            then any named after it. A model present in two experiments \
            is compared over the (run, fold) test sets both completed that hold the same subjects (the \
            same seed and split), with the paired t-test and Nadeau and Bengio's corrected test.
            """)

    @Argument(help: ArgumentHelp("Experiments (name or spec-hash prefix), two or more.", valueName: "experiment")) var experiments: [String] = []
    @Option(help: "Results folder holding runs.sqlite.") var results = "results"
    @Option(help: ArgumentHelp("Compare the experiments of a sweep (its name or sweep-hash prefix).", valueName: "sweep")) var sweep: String?

    func validate() throws {
        guard sweep != nil || experiments.count >= 2 else {
            throw ValidationError("name two or more experiments to compare, or a sweep with --sweep ID (see `exp ls`)")
        }
    }

    func run() throws {
        try requireRunLog(results)
        var keys = experiments
        if let sweep {
            let (record, members) = try ExperimentComparisons.sweepExperiments(results: results, sweep: sweep)
            print("Sweep \(record.hash.prefix(12)) of \(record.specPath): --sweep \(record.options.joined(separator: " --sweep "))")
            print("")
            keys = members + experiments
            guard keys.count >= 2 else {
                throw ValidationError("the sweep \(record.hash.prefix(12)) has one experiment; name another to compare it with")
            }
        }
        let c = try ExperimentComparisons.compare(results: results, keys: keys)
        ExperimentComparisons.text(c).forEach { print($0) }
    }
}

/// Every command that reads a run log says the same when there is none (and exits with 1).
func requireRunLog(_ results: String) throws {
    let path = ResultsLayout(root: results).database
    guard FileManager.default.fileExists(atPath: path) else { throw RunLogError.missing(path: path) }
}
