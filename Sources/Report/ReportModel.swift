// ReportModel: the report as plain values, independent of the output format. Accuracies are
// fractions in [0, 1]; renderers print percentages. Encoded as is by the JSON renderer.

public struct Report: Codable, Equatable, Sendable {
    public var tables: [ReportTable]
    public init(tables: [ReportTable]) { self.tables = tables }
}

/// One of the paper's Tables 1-3, or the table of an experiment on another dataset.
public struct ReportTable: Codable, Equatable, Sendable {
    /// `ckplus`, `mmi`, `oulu` or `none`.
    public var table: String
    public var title: String
    public var literature: [LiteratureRow]
    /// The experiment our rows come from; nil when the table has no runs yet.
    public var experiment: ExperimentInfo?
    public var models: [ModelResult]
    /// Where our protocol differs from the paper's, and what did not finish.
    public var notes: [String]
    /// Every other model (HA-GAN first among them in spec order) against the baseline, the first
    /// CNN model, over the same (run, fold) pairs; a model with no such pair is left out.
    public var comparisons: [PairedResult]
}

public struct ExperimentInfo: Codable, Equatable, Sendable {
    public var name: String
    /// The first 12 hex digits of the spec hash.
    public var hash: String
    public var datasetKind: String
    public var jobsCompleted: Int
    public var jobsTotal: Int
    public var gitCommit: String?
}

public struct ModelResult: Codable, Equatable, Sendable {
    public var name: String
    public var kind: String
    /// False for a paper model without runs yet ("no runs yet").
    public var hasResults: Bool
    /// Accuracy pooled over the completed test folds of each run, for runs with at least one.
    public var runAccuracies: [Double]
    public var mean: Double?
    /// Sample standard deviation over runs; nil with fewer than two runs.
    public var std: Double?
    public var runs: Int
    public var runsPlanned: Int
    /// Completed folds over all runs, and folds planned (folds x runs).
    public var folds: Int
    public var foldsPlanned: Int
    public var epochs: Int
    /// The paper's figure for this kind of model on this table, in percent.
    public var paperAccuracy: Double?
    public var classes: [ClassAccuracy]
    /// confusion[true][predicted], completed jobs.
    public var confusion: [[Int]]
    public var foldResults: [FoldResult]
}

public struct ClassAccuracy: Codable, Equatable, Sendable {
    public var name: String
    public var samples: Int
    public var correct: Int
    public var accuracy: Double?
}

public struct FoldResult: Codable, Equatable, Sendable {
    public var run: Int
    public var fold: Int
    public var status: String
    public var epochsDone: Int
    public var correct: Int?
    public var samples: Int?
    public var accuracy: Double?
}

public struct PairedResult: Codable, Equatable, Sendable {
    /// `model` minus `baseline`.
    public var model: String
    public var baseline: String
    public var pairs: Int
    public var meanDifference: Double
    public var ciLow: Double?
    public var ciHigh: Double?
    /// The plain paired t-test, as if the folds were independent.
    public var pValue: Double?
    /// Nadeau and Bengio's corrected resampled t-test (the folds' training sets overlap).
    public var correctedCILow: Double?
    public var correctedCIHigh: Double?
    public var correctedPValue: Double?
}
