// Typed reads of the run log for those who report on it (Report, `exp status`, `exp verify`): each
// row a Swift value decoded from named columns (GRDB's `FetchableRecord` with a column enum), so a
// renamed or missing column is an error naming it, never a silent zero. GRDB stays inside RunLog.

import Foundation
import GRDB

/// A job's final test predictions pooled: correct and all (view `job_accuracy`).
public struct JobAccuracy: Equatable, Sendable {
    public let jobID: Int64
    public let correct: Int
    public let samples: Int
}

/// A model's predictions of one true class over the completed jobs (view `per_class_accuracy`).
public struct ClassAccuracy: Equatable, Sendable {
    public let model: String
    public let label: Int
    public let samples: Int
    public let correct: Int
}

/// How often a model predicted `predicted` for an image of class `trueLabel` (view `confusion_matrix`).
public struct ConfusionCount: Equatable, Sendable {
    public let model: String
    public let trueLabel: Int
    public let predicted: Int
    public let count: Int
}

/// One point of a model's learning curve over its jobs (view `learning_curves`).
public struct CurveRow: Equatable, Sendable {
    public let model: String
    public let key: String
    public let epoch: Int
    public let points: Int
    public let mean: Double?
    public let low: Double?
    public let high: Double?
    public let nanCount: Int
}

/// A sample grid a job wrote, with its job.
public struct SampleGridArtifact: Equatable, Sendable {
    public let path: String
    public let epoch: Int?
    public let jobID: Int64
    public let model: String
    public let run: Int
    public let fold: Int
}

/// The worker starts of an experiment on one kind of machine: CPU, kernels and numerics.
public struct MachineGroup: Equatable, Sendable {
    public let cpuName: String
    public let widestISA: String
    public let blasCore: String
    public let numericsMode: String
    public let numericsVersion: Int
    public let starts: Int
}

/// An experiment's jobs done, in all, and its wall time from first start to last end (nil before any).
public struct ExperimentProgress: Equatable, Sendable {
    public let done: Int
    public let total: Int
    public let wallSeconds: Double?
}

/// A model's mean accuracy over runs (view `model_accuracy`).
public struct ModelMean: Equatable, Sendable {
    public let model: String
    public let mean: Double
}

/// A stored prediction as the run log holds it (probabilities as their JSON text).
public struct PredictionRow: Equatable, Sendable {
    public let epoch: Int
    public let sampleIndex: Int
    public let sampleID: String
    public let subject: String
    public let trueLabel: Int
    public let predictedLabel: Int
    public let probabilities: String
}

extension RunStore {
    /// Class names of an experiment in label order.
    public func classNames(experimentID: Int64) throws -> [String] {
        try fetch(Name.self, "SELECT name FROM labels WHERE experiment_id = ? ORDER BY label", [experimentID]).map(\.name)
    }

    public func jobAccuracies(experimentID: Int64) throws -> [JobAccuracy] {
        try fetch(JobAccuracyRecord.self, "SELECT job_id, correct, samples FROM job_accuracy WHERE experiment_id = ?", [experimentID])
            .map(\.value)
    }

    public func classAccuracies(experimentID: Int64) throws -> [ClassAccuracy] {
        try fetch(ClassAccuracyRecord.self, "SELECT model_name, label, samples, correct FROM per_class_accuracy WHERE experiment_id = ?",
                  [experimentID]).map(\.value)
    }

    public func confusionCounts(experimentID: Int64) throws -> [ConfusionCount] {
        try fetch(ConfusionRecord.self,
                  "SELECT model_name, true_label, predicted_label, count FROM confusion_matrix WHERE experiment_id = ?", [experimentID])
            .map(\.value)
    }

    public func learningCurves(experimentID: Int64) throws -> [CurveRow] {
        try fetch(CurveRecord.self, """
            SELECT model_name, key, epoch, points, mean_value, min_value, max_value, nan_count FROM learning_curves
            WHERE experiment_id = ? ORDER BY model_name, key, epoch
            """, [experimentID]).map(\.value)
    }

    /// The latest sample grid of an experiment (highest epoch, then newest), nil when none.
    public func latestSampleGrid(experimentID: Int64) throws -> SampleGridArtifact? {
        try fetch(SampleGridRecord.self, """
            SELECT a.path, a.epoch, a.job_id, j.model_name, j.run, j.fold FROM artifacts a JOIN jobs j ON j.id = a.job_id
            WHERE j.experiment_id = ? AND a.kind = 'samples'
            ORDER BY coalesce(a.epoch, -1) DESC, a.created_at DESC, j.run, j.fold, a.path LIMIT 1
            """, [experimentID]).first?.value
    }

    /// The true labels of a job's first `limit` test predictions at its latest evaluated epoch.
    public func finalTrueLabels(jobID: Int64, limit: Int) throws -> [Int] {
        try fetch(Label.self, """
            SELECT true_label FROM predictions WHERE job_id = ? AND epoch = (SELECT MAX(epoch) FROM predictions WHERE job_id = ?)
            ORDER BY sample_index LIMIT ?
            """, [jobID, jobID, limit]).map(\.label)
    }

    /// The worker starts of an experiment grouped by machine and numerics, in order of first start.
    public func machineGroups(experimentID: Int64) throws -> [MachineGroup] {
        try fetch(MachineGroupRecord.self, """
            SELECT a.cpu_name, a.widest_isa, a.blas_core, a.numerics_mode, a.numerics_version, COUNT(*) AS starts
            FROM attempts a JOIN jobs j ON j.id = a.job_id WHERE j.experiment_id = ?
            GROUP BY a.cpu_name, a.widest_isa, a.blas_core, a.numerics_mode, a.numerics_version ORDER BY MIN(a.started_at)
            """, [experimentID]).map(\.value)
    }

    public func progress(experimentID: Int64) throws -> ExperimentProgress {
        try fetch(ProgressRecord.self, """
            SELECT coalesce(SUM(status = 'completed'), 0) AS done, COUNT(*) AS total,
                   (julianday(MAX(finished_at)) - julianday(MIN(started_at))) * 86400 AS wall
            FROM jobs WHERE experiment_id = ?
            """, [experimentID]).first?.value ?? ExperimentProgress(done: 0, total: 0, wallSeconds: nil)
    }

    public func modelMeans(experimentID: Int64) throws -> [ModelMean] {
        try fetch(ModelMeanRecord.self, "SELECT model_name, mean_accuracy FROM model_accuracy WHERE experiment_id = ?", [experimentID])
            .map(\.value)
    }

    /// Every stored prediction of a job by epoch and sample.
    public func predictionRows(jobID: Int64) throws -> [PredictionRow] {
        try fetch(PredictionRecord.self, """
            SELECT epoch, sample_index, sample_id, subject, true_label, predicted_label, probabilities FROM predictions
            WHERE job_id = ? ORDER BY epoch, sample_index
            """, [jobID]).map(\.value)
    }

    /// Metric rows in the whole log (the ingest benchmark's count of what it took in).
    public func metricRowCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM metrics") ?? 0 }
    }

    private func fetch<R: FetchableRecord>(_ type: R.Type, _ sql: String, _ arguments: [DatabaseValueConvertible?]) throws -> [R] {
        try read { db in try R.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)) }
    }
}

// The records: each decodes its named columns, throwing (not defaulting) on a missing one.

private struct Name: FetchableRecord {
    let name: String
    init(row: Row) throws { name = try row.decode(forColumn: "name") }
}

private struct Label: FetchableRecord {
    let label: Int
    init(row: Row) throws { label = try row.decode(forColumn: "true_label") }
}

private struct JobAccuracyRecord: FetchableRecord {
    enum Columns: String, ColumnExpression { case jobID = "job_id", correct, samples }
    let value: JobAccuracy
    init(row: Row) throws {
        value = JobAccuracy(jobID: try row.decode(forColumn: Columns.jobID), correct: try row.decode(forColumn: Columns.correct),
                            samples: try row.decode(forColumn: Columns.samples))
    }
}

private struct ClassAccuracyRecord: FetchableRecord {
    enum Columns: String, ColumnExpression { case model = "model_name", label, samples, correct }
    let value: ClassAccuracy
    init(row: Row) throws {
        value = ClassAccuracy(model: try row.decode(forColumn: Columns.model), label: try row.decode(forColumn: Columns.label),
                              samples: try row.decode(forColumn: Columns.samples), correct: try row.decode(forColumn: Columns.correct))
    }
}

private struct ConfusionRecord: FetchableRecord {
    enum Columns: String, ColumnExpression { case model = "model_name", trueLabel = "true_label", predicted = "predicted_label", count }
    let value: ConfusionCount
    init(row: Row) throws {
        value = ConfusionCount(model: try row.decode(forColumn: Columns.model), trueLabel: try row.decode(forColumn: Columns.trueLabel),
                               predicted: try row.decode(forColumn: Columns.predicted), count: try row.decode(forColumn: Columns.count))
    }
}

private struct CurveRecord: FetchableRecord {
    enum Columns: String, ColumnExpression {
        case model = "model_name", key, epoch, points, mean = "mean_value", low = "min_value", high = "max_value", nanCount = "nan_count"
    }
    let value: CurveRow
    init(row: Row) throws {
        value = CurveRow(model: try row.decode(forColumn: Columns.model), key: try row.decode(forColumn: Columns.key),
                         epoch: try row.decode(forColumn: Columns.epoch), points: try row.decode(forColumn: Columns.points),
                         mean: try row.decode(forColumn: Columns.mean), low: try row.decode(forColumn: Columns.low),
                         high: try row.decode(forColumn: Columns.high), nanCount: try row.decode(forColumn: Columns.nanCount))
    }
}

private struct SampleGridRecord: FetchableRecord {
    enum Columns: String, ColumnExpression { case path, epoch, jobID = "job_id", model = "model_name", run, fold }
    let value: SampleGridArtifact
    init(row: Row) throws {
        value = SampleGridArtifact(path: try row.decode(forColumn: Columns.path), epoch: try row.decode(forColumn: Columns.epoch),
                                   jobID: try row.decode(forColumn: Columns.jobID), model: try row.decode(forColumn: Columns.model),
                                   run: try row.decode(forColumn: Columns.run), fold: try row.decode(forColumn: Columns.fold))
    }
}

private struct MachineGroupRecord: FetchableRecord {
    enum Columns: String, ColumnExpression {
        case cpuName = "cpu_name", widestISA = "widest_isa", blasCore = "blas_core", mode = "numerics_mode", version = "numerics_version", starts
    }
    let value: MachineGroup
    init(row: Row) throws {
        value = MachineGroup(cpuName: try row.decode(forColumn: Columns.cpuName), widestISA: try row.decode(forColumn: Columns.widestISA),
                             blasCore: try row.decode(forColumn: Columns.blasCore), numericsMode: try row.decode(forColumn: Columns.mode),
                             numericsVersion: try row.decode(forColumn: Columns.version), starts: try row.decode(forColumn: Columns.starts))
    }
}

private struct ProgressRecord: FetchableRecord {
    enum Columns: String, ColumnExpression { case done, total, wall }
    let value: ExperimentProgress
    init(row: Row) throws {
        value = ExperimentProgress(done: try row.decode(forColumn: Columns.done), total: try row.decode(forColumn: Columns.total),
                                   wallSeconds: try row.decode(forColumn: Columns.wall))
    }
}

private struct ModelMeanRecord: FetchableRecord {
    enum Columns: String, ColumnExpression { case model = "model_name", mean = "mean_accuracy" }
    let value: ModelMean
    init(row: Row) throws { value = ModelMean(model: try row.decode(forColumn: Columns.model), mean: try row.decode(forColumn: Columns.mean)) }
}

private struct PredictionRecord: FetchableRecord {
    enum Columns: String, ColumnExpression {
        case epoch, sampleIndex = "sample_index", sampleID = "sample_id", subject, trueLabel = "true_label"
        case predicted = "predicted_label", probabilities
    }
    let value: PredictionRow
    init(row: Row) throws {
        value = PredictionRow(epoch: try row.decode(forColumn: Columns.epoch), sampleIndex: try row.decode(forColumn: Columns.sampleIndex),
                              sampleID: try row.decode(forColumn: Columns.sampleID), subject: try row.decode(forColumn: Columns.subject),
                              trueLabel: try row.decode(forColumn: Columns.trueLabel), predictedLabel: try row.decode(forColumn: Columns.predicted),
                              probabilities: try row.decode(forColumn: Columns.probabilities))
    }
}
