// RunLogQueries: everything the report reads from the run log for one experiment, through the
// store's read-only rows: the spec, the class names, the jobs, each job's final-epoch test
// accuracy, per-class accuracy and confusion counts, learning curves and sample-grid artifacts.
// Accuracies come from the log's views (final evaluation only, see docs/run-log.md).

import RunLog
import Spec

/// One job and its final evaluation (nil when it has no predictions).
public struct JobResult: Equatable, Sendable {
    public var job: JobRecord
    public var correct: Int?
    public var samples: Int?
    public var accuracy: Double? { samples.flatMap { $0 > 0 ? Double(correct ?? 0) / Double($0) : nil } }
}

/// The mean of one metric over a model's jobs at one epoch, and its range over them.
public struct CurvePoint: Equatable, Sendable, Codable {
    public var epoch: Int
    public var mean: Double?
    public var points: Int
    public var nanCount: Int
    /// The smallest and largest value over the jobs (NaN values aside).
    public var low: Double? = nil
    public var high: Double? = nil
}

/// What the log holds for one experiment.
public struct ExperimentData: Sendable {
    public var record: ExperimentRecord
    public var spec: ExperimentSpec
    public var classNames: [String]
    public var jobs: [JobResult]
    /// Per model: class index -> (samples, correct), completed jobs.
    public var perClass: [String: [Int: (samples: Int, correct: Int)]]
    /// Per model: counts by (true, predicted), completed jobs.
    public var confusion: [String: [[Int]]]
    /// Per model, per metric key: the curve.
    public var curves: [String: [String: [CurvePoint]]]
    /// The latest sample-grid artifact, if any.
    public var latestSamples: SampleGridRecord?
    /// Where the jobs' workers computed (the `attempts` table, schema v6): one line per CPU and
    /// kernels, with the numerics and how many worker starts; empty for earlier logs.
    public var machines: [String] = []
    /// The distinct numerics the workers computed under ("portable v1", "native v1 OpenBLAS Zen").
    public var workerNumerics: Set<String> = []
    /// Which experiment the report chose for its table and how to pick another, when the log
    /// holds several of that table and none was named.
    public var selectionNote: String?
}

/// A sample grid the run log records: its file (relative to the results folder), the epoch and
/// job that drew it, and the true labels of its rows (the job's first test images; empty when the
/// job has no predictions yet).
public struct SampleGridRecord: Equatable, Sendable {
    /// The worker draws at most this many rows (`ModelTrainer.sampleGrid`).
    public static let maximumRows = 8
    public var path: String
    public var epoch: Int?
    public var model: String
    public var run: Int
    public var fold: Int
    public var rowLabels: [Int]
}

public enum RunLogQueries {
    /// Loads one experiment's data.
    public static func load(_ store: RunStore, experiment: ExperimentRecord) throws -> ExperimentData {
        let spec: ExperimentSpec
        do {
            spec = try SpecLoader.load(text: experiment.specJSON).spec
        } catch {
            throw ReportError.unreadableSpec(experiment: experiment.name, reason: "\(error)")
        }
        let id = experiment.id
        let classNames = try store.classNames(experimentID: id)
        var accuracies: [Int64: JobAccuracy] = [:]
        for a in try store.jobAccuracies(experimentID: id) { accuracies[a.jobID] = a }
        let jobs = try store.jobs(experimentID: id).map { job in
            JobResult(job: job, correct: accuracies[job.id]?.correct, samples: accuracies[job.id]?.samples)
        }

        var perClass: [String: [Int: (samples: Int, correct: Int)]] = [:]
        for c in try store.classAccuracies(experimentID: id) { perClass[c.model, default: [:]][c.label] = (c.samples, c.correct) }

        var confusion: [String: [[Int]]] = [:]
        let classes = classNames.count
        for c in try store.confusionCounts(experimentID: id) where (0..<classes).contains(c.trueLabel) && (0..<classes).contains(c.predicted) {
            var matrix = confusion[c.model] ?? Array(repeating: Array(repeating: 0, count: classes), count: classes)
            matrix[c.trueLabel][c.predicted] += c.count
            confusion[c.model] = matrix
        }

        var curves: [String: [String: [CurvePoint]]] = [:]
        for r in try store.learningCurves(experimentID: id) {
            curves[r.model, default: [:]][r.key, default: []].append(
                CurvePoint(epoch: r.epoch, mean: r.mean, points: r.points, nanCount: r.nanCount, low: r.low, high: r.high))
        }

        // The grid's rows are the job's first test images, in the order of its predictions.
        let samples = try store.latestSampleGrid(experimentID: id).map { g in
            SampleGridRecord(path: g.path, epoch: g.epoch, model: g.model, run: g.run, fold: g.fold,
                             rowLabels: try store.finalTrueLabels(jobID: g.jobID, limit: SampleGridRecord.maximumRows))
        }

        var machines: [String] = []
        var workerNumerics: Set<String> = []
        for g in try store.machineGroups(experimentID: id) {
            machines.append("\(g.cpuName) (\(g.widestISA)), OpenBLAS \(g.blasCore), \(g.numericsMode) v\(g.numericsVersion): \(g.starts) worker start(s)")
            workerNumerics.insert(g.numericsMode == "native" ? "native v\(g.numericsVersion) OpenBLAS \(g.blasCore)" : "\(g.numericsMode) v\(g.numericsVersion)")
        }

        return ExperimentData(
            record: experiment, spec: spec, classNames: classNames, jobs: jobs, perClass: perClass, confusion: confusion,
            curves: curves, latestSamples: samples, machines: machines, workerNumerics: workerNumerics)
    }

    /// The experiments to report: the one `key` names (name or hash prefix), or by default the
    /// latest experiment of each table.
    public static func select(_ store: RunStore, experiment key: String?, latest: Bool = false) throws -> [ExperimentRecord] {
        if let key { return [try store.experiment(matching: key, latest: latest)] }
        var newest: [String: ExperimentRecord] = [:]
        for record in try store.experiments() { newest[record.tableName] = record }
        return newest.values.sorted { $0.id < $1.id }
    }

    /// Why the report shows `chosen` for its table when the log holds other experiments of that
    /// table (a sweep's, or the same spec run with other values): which it chose and how to pick.
    static func selectionNote(_ store: RunStore, chosen: ExperimentRecord) throws -> String? {
        let others = try store.experiments().filter { $0.tableName == chosen.tableName && $0.id != chosen.id }
        guard !others.isEmpty else { return nil }
        let sweeps = try store.sweepHashesByExperiment()[chosen.id] ?? []
        let sweepText = sweeps.first.map { "; compare a sweep's experiments with `exp compare --sweep \($0.prefix(12))`" } ?? ""
        let shown = others.suffix(4).map { "\($0.name) (\($0.specHash.prefix(12)))" }.joined(separator: ", ")
        return "Chosen: \(chosen.name) (\(chosen.specHash.prefix(12))), the newest of \(others.count + 1) experiments of table "
            + "\(chosen.tableName) in this log (others: \(shown)\(others.count > 4 ? ", ..." : "")); pick one with `--experiment NAME` or "
            + "`--experiment HASH`\(sweepText)."
    }
}
