// RunLogRecords: the values the run store writes and returns (experiment provenance, jobs and
// their status lifecycle, executions, metric points, predictions, artifacts, fold assignments,
// status summaries).

/// Where an experiment's numbers come from.
public struct Provenance: Equatable, Sendable {
    public var toolVersion: String
    /// HEAD commit of the source tree, nil outside a git checkout or without git.
    public var gitCommit: String?
    /// Whether the tree had uncommitted changes; nil when unknown.
    public var gitDirty: Bool?
    public var os: String
    public var cpu: String
    /// BLAS library and build configuration (OpenBLAS's `openblas_get_config()`).
    public var blasConfig: String
    /// BLAS threads per job.
    public var blasThreads: Int
    /// `DatasetFingerprint` of the dataset files; nil for synthetic data.
    public var datasetFingerprint: String?
    /// How the faces were aligned, as JSON (FaceData's `AlignmentReport`: counts by landmark source,
    /// images with no face or several, the detector); nil for synthetic data and older logs.
    public var faceAlignment: String?
    /// The submitting host's machine and kernels as JSON (Vocabulary's `MachineNumerics`); nil in
    /// logs before schema v6. Each job's own are in `attempts`.
    public var machine: String?

    public init(
        toolVersion: String, gitCommit: String?, gitDirty: Bool?, os: String, cpu: String, blasConfig: String,
        blasThreads: Int, datasetFingerprint: String?, faceAlignment: String? = nil, machine: String? = nil
    ) {
        self.machine = machine
        self.toolVersion = toolVersion
        self.gitCommit = gitCommit
        self.gitDirty = gitDirty
        self.os = os
        self.cpu = cpu
        self.blasConfig = blasConfig
        self.blasThreads = blasThreads
        self.datasetFingerprint = datasetFingerprint
        self.faceAlignment = faceAlignment
    }
}

/// An experiment row.
public struct ExperimentRecord: Equatable, Sendable {
    public let id: Int64
    public let name: String
    public let specHash: String
    public let specJSON: String
    public let tableName: String
    public let datasetKind: String
    public let createdAt: String
    public let overrides: [String]
    public let provenance: Provenance
    /// The numerics it computes under ("portable v1"), nil for experiments registered before
    /// numerics versions (schema v6).
    public let numerics: String?
}

/// A job's lifecycle: pending -> running -> completed | failed | diverged | interrupted; failed,
/// diverged and interrupted jobs may run again (resume or retry); completed is final.
public enum JobStatus: String, Sendable, CaseIterable {
    case pending, running, completed, failed, diverged, interrupted

    /// The states a job may move to from this one.
    public var successors: Set<JobStatus> {
        switch self {
        case .pending: [.running]
        case .running: [.completed, .failed, .diverged, .interrupted]
        case .failed, .diverged, .interrupted: [.running]
        case .completed: []
        }
    }

    public var isFinished: Bool { self == .completed || self == .failed || self == .diverged }
}

/// A job row.
public struct JobRecord: Equatable, Sendable {
    public let id: Int64
    public let experimentID: Int64
    public let modelName: String
    public let modelKind: String
    public let run: Int
    public let fold: Int
    public let seed: UInt64
    public let status: JobStatus
    public let attempts: Int
    public let epochsPlanned: Int
    public let epochsDone: Int
    public let startedAt: String?
    public let finishedAt: String?
    public let error: String?

    public init(id: Int64, experimentID: Int64, modelName: String, modelKind: String, run: Int, fold: Int, seed: UInt64, status: JobStatus,
                attempts: Int, epochsPlanned: Int, epochsDone: Int, startedAt: String?, finishedAt: String?, error: String?) {
        self.id = id
        self.experimentID = experimentID
        self.modelName = modelName
        self.modelKind = modelKind
        self.run = run
        self.fold = fold
        self.seed = seed
        self.status = status
        self.attempts = attempts
        self.epochsPlanned = epochsPlanned
        self.epochsDone = epochsDone
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
    }
}

/// One metric value. `step` is the number of optimiser steps done when it was recorded (MLflow's
/// step); NaN and infinities are stored faithfully.
public struct MetricPoint: Sendable, CustomStringConvertible {
    public var key: String
    public var epoch: Int
    public var step: Int
    public var value: Double

    public init(key: String, epoch: Int, step: Int, value: Double) {
        self.key = key
        self.epoch = epoch
        self.step = step
        self.value = value
    }

    public var description: String { "\(key)@\(epoch)/\(step)=\(value)" }

    /// Equal keys and positions, and equal values where NaN equals NaN.
    public func isSame(as other: MetricPoint) -> Bool {
        key == other.key && epoch == other.epoch && step == other.step
            && (value == other.value || (value.isNaN && other.value.isNaN))
    }
}

/// One test sample's prediction. Labels index the experiment's `labels` table.
public struct Prediction: Equatable, Sendable, Codable {
    public var sampleIndex: Int
    public var sampleID: String
    public var subject: String
    public var trueLabel: Int
    public var predictedLabel: Int
    public var probabilities: [Double]

    public init(sampleIndex: Int, sampleID: String, subject: String, trueLabel: Int, predictedLabel: Int, probabilities: [Double]) {
        self.sampleIndex = sampleIndex
        self.sampleID = sampleID
        self.subject = subject
        self.trueLabel = trueLabel
        self.predictedLabel = predictedLabel
        self.probabilities = probabilities
    }
}

/// A file a job produced (checkpoint, sample grid, ...), path relative to the results folder.
public struct ArtifactRecord: Equatable, Sendable {
    public var jobID: Int64
    public var kind: String
    public var path: String
    public var epoch: Int?
    public var createdAt: String
}

/// Where and how a job last ran (a row of `executions`): a worker process on the submitting host
/// (`local`) or a Slurm array task (`slurm`). The Slurm fields are nil for local workers.
public struct ExecutionRecord: Equatable, Sendable {
    public var executor: String
    /// The Slurm submission: its job name, and its folder under `results/slurm/<hash>/`.
    public var submission: String?
    public var arrayJobID: Int64?
    public var arrayIndex: Int?
    /// The node the task runs or last ran on (the host name for local workers).
    public var node: String?
    /// How many times Slurm requeued the task.
    public var requeues: Int
    /// Slurm's state (`PENDING`, `RUNNING`, `COMPLETED`, `TIMEOUT`, ...), its reason (`TimeLimit`,
    /// `JobArrayTaskLimit`, ...; nil for Slurm's `None`) and exit code (`code:signal`).
    public var state: String?
    public var reason: String?
    public var exitCode: String?
    /// When the row was last written (set when read from the log).
    public var updatedAt: String?

    public init(executor: String, submission: String? = nil, arrayJobID: Int64? = nil, arrayIndex: Int? = nil, node: String? = nil,
                requeues: Int = 0, state: String? = nil, reason: String? = nil, exitCode: String? = nil, updatedAt: String? = nil) {
        self.executor = executor
        self.submission = submission
        self.arrayJobID = arrayJobID
        self.arrayIndex = arrayIndex
        self.node = node
        self.requeues = requeues
        self.state = state
        self.reason = reason
        self.exitCode = exitCode
        self.updatedAt = updatedAt
    }
}

/// One job's line in `exp status`.
public struct JobProgress: Equatable, Sendable {
    public let job: JobRecord
    /// Values of the latest epoch that has metrics, by key (NaN when stored as NaN).
    public let latestMetrics: [String: Double]
}

/// What `exp status` prints for one experiment.
public struct StatusSummary: Equatable, Sendable {
    public let experiment: ExperimentRecord
    public let counts: [JobStatus: Int]
    public let jobs: [JobProgress]

    public var total: Int { jobs.count }
    public var epochsDone: Int { jobs.reduce(0) { $0 + $1.job.epochsDone } }
    public var epochsPlanned: Int { jobs.reduce(0) { $0 + $1.job.epochsPlanned } }
}
