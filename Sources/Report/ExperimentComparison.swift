// ExperimentComparison: several experiments of one run log side by side (`exp compare`): the spec
// keys whose values differ, each model's mean accuracy per experiment, and for a model present in
// two experiments a paired comparison over the (run, fold) test sets they share: the same run and
// fold holding the same subjects in both (their recorded fold assignments agree). Also the one-line
// overview of every experiment (`exp ls`).

import Foundation
import RunLog
import Spec

/// One experiment in a listing.
public struct ExperimentOverview: Equatable, Sendable {
    public var name: String
    public var hash: String
    public var table: String
    public var created: String
    public var jobsDone: Int
    public var jobsTotal: Int
    /// Seconds from the first job's start to the last job's end (nil before any job finished).
    public var wallSeconds: Double?
    /// Model name -> mean accuracy over runs (fractions), in spec order.
    public var accuracies: [(model: String, mean: Double)]
    /// The sweeps the experiment belongs to (12-digit hash prefixes; empty when none).
    public var sweeps: [String] = []

    public static func == (a: ExperimentOverview, b: ExperimentOverview) -> Bool {
        a.sweeps == b.sweeps && a.name == b.name && a.hash == b.hash && a.table == b.table && a.created == b.created && a.jobsDone == b.jobsDone
            && a.jobsTotal == b.jobsTotal && a.wallSeconds == b.wallSeconds && a.accuracies.map(\.model) == b.accuracies.map(\.model)
            && a.accuracies.map(\.mean) == b.accuracies.map(\.mean)
    }
}

/// A model's accuracy in two experiments over the test sets they share.
public struct CrossExperimentPair: Equatable, Sendable {
    public var model: String
    /// `later` minus `earlier`, in the order the experiments were given.
    public var earlier: String
    public var later: String
    public var result: PairedResult?
    /// (run, fold) test sets both completed but whose subjects differ (not paired).
    public var unmatched: Int
    /// The model's jobs are the same jobs in both (equal identities: the swept value does not
    /// touch it), so it is not tested against itself.
    public var unchanged = false
}

public struct ExperimentComparison: Sendable {
    public var experiments: [ExperimentRecord]
    /// Spec key (a JSON path such as `models[1].l1Weight`) -> its value in each experiment (nil: absent).
    public var differences: [(key: String, values: [String?])]
    /// Model name -> mean accuracy in each experiment (nil: not there, or no completed run).
    public var accuracies: [(model: String, means: [Double?])]
    public var pairs: [CrossExperimentPair]
    /// Within each experiment (in order), each model against its baseline over its (run, fold) pairs.
    public var againstBaseline: [[PairedResult]] = []
    /// Each experiment's numerics ("portable v1"; "before numerics versions" for earlier logs).
    public var numerics: [String] = []
    /// Whether the experiments' numbers were computed under different numerics.
    public var mixedNumerics: Bool { Set(numerics).count > 1 }
}

public enum ExperimentComparisons {
    /// Every experiment of the run log, oldest first.
    public static func overview(results: String) throws -> [ExperimentOverview] {
        let store = try RunStore(path: ReportGenerator.databasePath(results: results), readOnly: true)
        defer { try? store.close() }
        let sweeps = try store.sweepHashesByExperiment()
        return try store.experiments().map { e in
            let progress = try store.progress(experimentID: e.id)
            let byModel = Dictionary(try store.modelMeans(experimentID: e.id).map { ($0.model, $0.mean) }) { a, _ in a }
            let order = (try? SpecLoader.load(text: e.specJSON).spec.models.map(\.name)) ?? byModel.keys.sorted()
            return ExperimentOverview(
                name: e.name, hash: String(e.specHash.prefix(12)), table: e.tableName, created: e.createdAt,
                jobsDone: progress.done, jobsTotal: progress.total, wallSeconds: progress.wallSeconds,
                accuracies: order.compactMap { name in byModel[name].map { (name, $0) } },
                sweeps: (sweeps[e.id] ?? []).map { String($0.prefix(12)) })
        }
    }

    /// The experiments of a sweep (its name or a sweep-hash prefix), as spec-hash keys for `compare`.
    public static func sweepExperiments(results: String, sweep key: String) throws -> (sweep: SweepRecord, keys: [String]) {
        let store = try RunStore(path: ReportGenerator.databasePath(results: results), readOnly: true)
        defer { try? store.close() }
        let sweep = try store.sweep(matching: key)
        let byID = Dictionary(uniqueKeysWithValues: try store.experiments().map { ($0.id, $0.specHash) })
        return (sweep, sweep.experiments.compactMap { byID[$0.experimentID] })
    }

    /// Compares the experiments `keys` name (names or spec-hash prefixes), in that order.
    public static func compare(results: String, keys: [String]) throws -> ExperimentComparison {
        let store = try RunStore(path: ReportGenerator.databasePath(results: results), readOnly: true)
        defer { try? store.close() }
        let records = try keys.map { try store.experiment(matching: $0) }
        let data = try records.map { try RunLogQueries.load(store, experiment: $0) }

        // Spec differences over the flattened canonical specs (the name and description aside).
        // Each spec as this build resolves it, so that a default an earlier build left out is no difference.
        let flat = records.map { r in
            let text = (try? SpecLoader.load(text: r.specJSON).canonicalJSON) ?? r.specJSON
            return flatten((try? JSONSerialization.jsonObject(with: Data(text.utf8))) ?? [:], path: "")
        }
        let allKeys = Set(flat.flatMap(\.keys)).subtracting(["name", "description"]).sorted()
        let differences = allKeys.compactMap { key -> (key: String, values: [String?])? in
            let values = flat.map { $0[key] }
            return Set(values.map { $0 ?? "\u{0}" }).count > 1 ? (key, values) : nil
        }

        let report = ReportBuilder.build(data, onlyGiven: true)
        var models: [String] = []
        for d in data { for m in d.spec.models.map(\.name) where !models.contains(m) { models.append(m) } }
        let accuracies = models.map { name -> (model: String, means: [Double?]) in
            (name, records.map { r in
                report.tables.first { $0.experiment?.hash == String(r.specHash.prefix(12)) }?.models.first { $0.name == name }?.mean
            })
        }

        var pairs: [CrossExperimentPair] = []
        for model in models {
            let holders = data.indices.filter { i in data[i].spec.models.contains { $0.name == model } }
            for (x, i) in holders.enumerated() {
                for j in holders.dropFirst(x + 1) {
                    pairs.append(try pair(model, data[i], data[j], store: store))
                }
            }
        }
        var comparison = ExperimentComparison(experiments: records, differences: differences, accuracies: accuracies, pairs: pairs,
                                              numerics: records.map { $0.numerics ?? "before numerics versions" })
        comparison.againstBaseline = records.map { r in
            report.tables.first { $0.experiment?.hash == String(r.specHash.prefix(12)) }?.comparisons ?? []
        }
        return comparison
    }

    /// `model` in `b` against `model` in `a` over the (run, fold) test sets holding the same subjects.
    static func pair(_ model: String, _ a: ExperimentData, _ b: ExperimentData, store: RunStore) throws -> CrossExperimentPair {
        func accuracies(_ d: ExperimentData) -> [String: (run: Int, fold: Int, accuracy: Double)] {
            var out: [String: (Int, Int, Double)] = [:]
            for r in d.jobs where r.job.modelName == model && r.job.status == .completed {
                if let acc = r.accuracy { out["\(r.job.run)/\(r.job.fold)"] = (r.job.run, r.job.fold, acc) }
            }
            return out
        }
        let left = accuracies(a), right = accuracies(b)
        var assignments: [Int64: [Int: [String: Int]]] = [:]
        func subjects(_ d: ExperimentData, run: Int, fold: Int) throws -> Set<String> {
            if assignments[d.record.id]?[run] == nil {
                assignments[d.record.id, default: [:]][run] = try store.foldAssignments(experimentID: d.record.id, run: run)
            }
            return Set(assignments[d.record.id]![run]!.filter { $0.value == fold }.keys)
        }
        func label(_ d: ExperimentData) -> String { "\(d.record.name) (\(d.record.specHash.prefix(8)))" }
        var matched: [String] = []
        var unmatched = 0
        for key in Set(left.keys).intersection(right.keys).sorted() {
            let l = left[key]!
            // Test sets are the same when the recorded assignments put the same subjects in them.
            let mine = try subjects(a, run: l.run, fold: l.fold)
            if !mine.isEmpty, try mine == subjects(b, run: l.run, fold: l.fold) { matched.append(key) } else { unmatched += 1 }
        }
        // The same jobs in both (a value that does not touch this model): nothing to test.
        let hashesA = try store.jobHashes(experimentID: a.record.id), hashesB = try store.jobHashes(experimentID: b.record.id)
        func identities(_ d: ExperimentData, _ hashes: [Int64: String]) -> [String: String] {
            var out: [String: String] = [:]
            for r in d.jobs where r.job.modelName == model { if let h = hashes[r.job.id] { out["\(r.job.run)/\(r.job.fold)"] = h } }
            return out
        }
        let idA = identities(a, hashesA), idB = identities(b, hashesB)
        if !idA.isEmpty && idA == idB {
            return CrossExperimentPair(model: model, earlier: label(a), later: label(b), result: nil, unmatched: 0, unchanged: true)
        }
        let later = matched.map { right[$0]!.accuracy }, earlier = matched.map { left[$0]!.accuracy }
        let result = ReportBuilder.paired(model: "\(model) in \(label(b))", baseline: "\(model) in \(label(a))", later, earlier,
                                          protocol: a.spec.protocol)
        return CrossExperimentPair(model: model, earlier: label(a), later: label(b), result: result, unmatched: unmatched)
    }

    /// JSON flattened to dotted paths with [i] for array elements; leaves as compact JSON text.
    static func flatten(_ value: Any, path: String) -> [String: String] {
        if let object = value as? [String: Any] {
            var out: [String: String] = [:]
            for (k, v) in object { out.merge(flatten(v, path: path.isEmpty ? k : "\(path).\(k)")) { a, _ in a } }
            return out
        }
        if let array = value as? [Any] {
            // Arrays of plain values compare as one value; arrays of objects element by element.
            if array.allSatisfy({ !($0 is [String: Any]) && !($0 is [Any]) }) { return [path: leaf(array)] }
            var out: [String: String] = [:]
            for (i, v) in array.enumerated() { out.merge(flatten(v, path: "\(path)[\(i)]")) { a, _ in a } }
            return out
        }
        return [path: leaf(value)]
    }

    static func leaf(_ value: Any) -> String {
        if let s = value as? String { return s }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }
}

extension ExperimentComparisons {
    /// What `exp compare` prints (and `exp serve`'s compare page shows): the spec keys that differ,
    /// each model's mean accuracy per experiment, each model against the baseline within each
    /// experiment, and each model paired across experiments over their shared test sets.
    public static func text(_ c: ExperimentComparison) -> [String] {
        var out: [String] = []
        let names = c.experiments.map { "\($0.name) (\($0.specHash.prefix(8)))" }
        out.append("Spec differences:")
        if c.differences.isEmpty {
            out.append(c.mixedNumerics ? "  none but the numerics (below)" : "  none (the specs differ only in name or description)")
        } else {
            TextTable.aligned([["key"] + names] + c.differences.map { [$0.key] + $0.values.map { $0 ?? "(absent)" } }).forEach { out.append("  " + $0) }
        }
        if c.mixedNumerics {
            out.append("")
            out.append("Numerics differ: " + zip(names, c.numerics).map { "\($0) \($1)" }.joined(separator: ", ")
                  + "; their numbers come from engines or kernels that give other bits, so a difference between them may be numerical.")
        }
        out.append("")
        out.append("Mean accuracy over runs (%):")
        TextTable.aligned([["model"] + names] + c.accuracies.map { a in
            [a.model] + a.means.map { $0.map { String(format: "%.2f", 100 * $0) } ?? "-" }
        }).forEach { out.append("  " + $0) }
        // Per experiment (a swept value), each model against the baseline on the same test sets.
        let within = zip(names, c.againstBaseline).flatMap { name, results in results.map { (name, $0) } }
        if !within.isEmpty {
            out.append("")
            out.append("Each model against the baseline within each experiment (points; corrected resampled t-test):")
            TextTable.aligned([["experiment", "model - baseline", "difference", "corrected 95% CI", "p", "pairs"]] + within.map { name, r in
                let ci = r.correctedCILow.flatMap { low in r.correctedCIHigh.map { String(format: "[%.2f, %.2f]", 100 * low, 100 * $0) } } ?? "-"
                return [name, "\(r.model) - \(r.baseline)", String(format: "%+.2f", 100 * r.meanDifference), ci,
                        r.correctedPValue.map { String(format: "%.4f", $0) } ?? "-", String(r.pairs)]
            }).forEach { out.append("  " + $0) }
            let few = within.filter { $0.1.pairs < 5 }
            if !few.isEmpty {
                out.append("  few pairs: \(few.map { "\($0.0) has \($0.1.pairs)" }.joined(separator: ", ")); with fewer than 5 (run, fold) pairs "
                      + "an interval is wide and a test says little")
            }
        }
        out.append("")
        out.append("Paired over the test sets both experiments completed with the same subjects:")
        if c.pairs.isEmpty { out.append("  no model is in two of these experiments") }
        for p in c.pairs {
            if p.unchanged {
                out.append("- \(p.model): the same jobs in \(p.earlier) and \(p.later) (the differing keys do not touch it): not tested against itself")
                continue
            }
            let unmatched = p.unmatched > 0 ? " (\(p.unmatched) shared (run, fold) pairs hold different subjects and are left out)" : ""
            if let result = p.result {
                out.append(TextTable.wrap("- " + TextTable.comparisonLine(result) + unmatched, width: 100, indent: "    "))
            } else {
                out.append("- \(p.model): no shared test set completed in \(p.earlier) and \(p.later)\(unmatched)")
            }
        }
        return out
    }
}
