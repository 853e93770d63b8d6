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
        let id = SQLValue.integer(experiment.id)
        let classNames = try store.rows("SELECT name FROM labels WHERE experiment_id = ? ORDER BY label", [id]).map { $0["name"].string ?? "" }

        var accuracies: [Int64: (Int, Int)] = [:]
        for row in try store.rows("SELECT job_id, correct, samples FROM job_accuracy WHERE experiment_id = ?", [id]) {
            if case .integer(let job) = row["job_id"] { accuracies[job] = (row["correct"].int ?? 0, row["samples"].int ?? 0) }
        }
        let jobs = try store.jobs(experimentID: experiment.id).map { job in
            JobResult(job: job, correct: accuracies[job.id]?.0, samples: accuracies[job.id]?.1)
        }

        var perClass: [String: [Int: (samples: Int, correct: Int)]] = [:]
        for row in try store.rows("SELECT model_name, label, samples, correct FROM per_class_accuracy WHERE experiment_id = ?", [id]) {
            perClass[row["model_name"].string ?? "", default: [:]][row["label"].int ?? 0] = (row["samples"].int ?? 0, row["correct"].int ?? 0)
        }

        var confusion: [String: [[Int]]] = [:]
        let classes = classNames.count
        for row in try store.rows("SELECT model_name, true_label, predicted_label, count FROM confusion_matrix WHERE experiment_id = ?", [id]) {
            let model = row["model_name"].string ?? ""
            let t = row["true_label"].int ?? -1, p = row["predicted_label"].int ?? -1
            guard (0..<classes).contains(t), (0..<classes).contains(p) else { continue }
            var matrix = confusion[model] ?? Array(repeating: Array(repeating: 0, count: classes), count: classes)
            matrix[t][p] += row["count"].int ?? 0
            confusion[model] = matrix
        }

        var curves: [String: [String: [CurvePoint]]] = [:]
        for row in try store.rows(
            "SELECT model_name, key, epoch, points, mean_value, min_value, max_value, nan_count FROM learning_curves WHERE experiment_id = ? ORDER BY model_name, key, epoch", [id])
        {
            let point = CurvePoint(epoch: row["epoch"].int ?? 0, mean: row["mean_value"].double, points: row["points"].int ?? 0,
                                   nanCount: row["nan_count"].int ?? 0, low: row["min_value"].double, high: row["max_value"].double)
            curves[row["model_name"].string ?? "", default: [:]][row["key"].string ?? "", default: []].append(point)
        }

        var samples: SampleGridRecord?
        if let row = try store.rows(
            """
            SELECT a.path, a.epoch, a.job_id, j.model_name, j.run, j.fold FROM artifacts a JOIN jobs j ON j.id = a.job_id
            WHERE j.experiment_id = ? AND a.kind = 'samples'
            ORDER BY coalesce(a.epoch, -1) DESC, a.created_at DESC, j.run, j.fold, a.path LIMIT 1
            """, [id]
        ).first {
            // The grid's rows are the job's first test images, in the order of its predictions.
            let job = row["job_id"]
            let labels = try store.rows(
                """
                SELECT true_label FROM predictions WHERE job_id = ? AND epoch = (SELECT MAX(epoch) FROM predictions WHERE job_id = ?)
                ORDER BY sample_index LIMIT \(SampleGridRecord.maximumRows)
                """, [job, job]
            ).compactMap { $0["true_label"].int }
            samples = SampleGridRecord(path: row["path"].string ?? "", epoch: row["epoch"].int, model: row["model_name"].string ?? "",
                                       run: row["run"].int ?? 0, fold: row["fold"].int ?? 0, rowLabels: labels)
        }

        var machines: [String] = []
        var workerNumerics: Set<String> = []
        for row in try store.rows(
            """
            SELECT a.cpu_name, a.widest_isa, a.blas_core, a.numerics_mode, a.numerics_version, COUNT(*) AS starts
            FROM attempts a JOIN jobs j ON j.id = a.job_id WHERE j.experiment_id = ?
            GROUP BY a.cpu_name, a.widest_isa, a.blas_core, a.numerics_mode, a.numerics_version ORDER BY MIN(a.started_at)
            """, [id]
        ) {
            let mode = row["numerics_mode"].string ?? "?", version = row["numerics_version"].int ?? 0, core = row["blas_core"].string ?? "?"
            machines.append("\(row["cpu_name"].string ?? "?") (\(row["widest_isa"].string ?? "?")), OpenBLAS \(core), \(mode) v\(version): "
                            + "\(row["starts"].int ?? 0) worker start(s)")
            workerNumerics.insert(mode == "native" ? "native v\(version) OpenBLAS \(core)" : "\(mode) v\(version)")
        }

        return ExperimentData(
            record: experiment, spec: spec, classNames: classNames, jobs: jobs, perClass: perClass, confusion: confusion,
            curves: curves, latestSamples: samples, machines: machines, workerNumerics: workerNumerics)
    }

    /// The experiments to report: the one `key` names (name or hash prefix), or by default the
    /// latest experiment of each table.
    public static func select(_ store: RunStore, experiment key: String?) throws -> [ExperimentRecord] {
        if let key { return [try store.experiment(matching: key)] }
        var latest: [String: ExperimentRecord] = [:]
        for record in try store.experiments() { latest[record.tableName] = record }
        return latest.values.sorted { $0.id < $1.id }
    }
}
