// What a run will cost before it starts (`exp plan`, and the block `exp run` prints first): per
// model the time of an epoch and of a job on this machine, peak memory per job and its files; for
// the whole run the wall time with the chosen parallelism, the core-hours, and the disk it writes.
// Every figure says where it comes from: the run log's measured epochs of the same model and sizes
// (`JobIdentity.costKey`) on this host, else a calibration (`Calibration`), plus the data counts
// (`PlanDataCounts`) and the cost model below.
//
// The cost model of one epoch: (training items / batch size) steps of the calibrated step, plus
// the evaluation that ends it (test, validation and, for evaluation networks other than `last`,
// training centre crops, each at the calibrated inference cost per image). Local jobs that ask for
// more BLAS threads at once than the machine has cores share them: each is slowed by that factor.

import Foundation
import RunLog
import Spec
import Vocabulary

public enum PlanError: Error, CustomStringConvertible {
    case calibrationFailed(model: String, detail: String)
    case dataUncounted(kind: String, root: String)
    /// Free space below the run's peak need (bytes).
    case diskTooSmall(folder: String, needed: Int, free: Int)
    /// Jobs at once times memory per job beyond the machine's memory (bytes).
    case memoryTooSmall(jobs: Int, perJob: Int, total: Int)

    public var description: String {
        switch self {
        case .calibrationFailed(let model, let detail):
            return "could not calibrate model '\(model)' on this machine: \(detail)"
        case .dataUncounted(let kind, let root):
            return "cannot count the images of the \(kind) dataset: its root \(root) is not here and its size is not published; "
                + "set dataset.root (or --set dataset.root=/path/to/data)"
        case .diskTooSmall(let folder, let needed, let free):
            return "not enough free disk for this run: it needs about \(Bytes.text(needed)) at its peak in \(folder), "
                + "and \(Bytes.text(free)) are free. Free some space, choose another --results folder, or add --force to start anyway "
                + "(a run that fills the disk pauses until space returns)"
        case .memoryTooSmall(let jobs, let perJob, let total):
            let fits = max(1, total / max(perJob, 1))
            return "\(jobs) jobs at once need about \(Bytes.text(jobs * perJob)) of memory (\(Bytes.text(perJob)) each), "
                + "and this machine has \(Bytes.text(total)): run with --jobs \(fits), or add --force to start anyway"
        }
    }
}

/// A figure and where it comes from.
public struct Estimate: Equatable, Sendable {
    public var value: Double
    public var source: String
    public init(value: Double, source: String) {
        self.value = value
        self.source = source
    }
}

public struct RunPlan: Sendable {
    /// One model of one experiment.
    public struct ModelPlan: Sendable {
        public var experiment: String
        public var name: String
        public var kind: ModelKind
        /// Jobs this run trains, and the experiment's jobs of this model.
        public var jobs: Int
        public var jobsTotal: Int
        /// Epochs of one job, and the epochs the run still trains (summed over its jobs).
        public var epochsPerJob: Int
        public var epochsToRun: Int
        public var batchesPerEpoch: Int
        /// Seconds of one epoch of one job running alone.
        public var secondsPerEpoch: Estimate
        /// Bytes of resident memory of one job at its peak.
        public var peakMemory: Estimate
        public var checkpointBytes: Int
        public var sampleGridsPerJob: Int
        public var sampleGridBytes: Int
        /// Remaining epochs of each job this run trains, in the order they start.
        public var remainingEpochs: [Int]

        public var secondsPerJob: Double { secondsPerEpoch.value * Double(epochsPerJob) }

        public init(experiment: String, name: String, kind: ModelKind, jobs: Int, jobsTotal: Int, epochsPerJob: Int, epochsToRun: Int,
                    batchesPerEpoch: Int, secondsPerEpoch: Estimate, peakMemory: Estimate, checkpointBytes: Int, sampleGridsPerJob: Int,
                    sampleGridBytes: Int, remainingEpochs: [Int]) {
            self.experiment = experiment
            self.name = name
            self.kind = kind
            self.jobs = jobs
            self.jobsTotal = jobsTotal
            self.epochsPerJob = epochsPerJob
            self.epochsToRun = epochsToRun
            self.batchesPerEpoch = batchesPerEpoch
            self.secondsPerEpoch = secondsPerEpoch
            self.peakMemory = peakMemory
            self.checkpointBytes = checkpointBytes
            self.sampleGridsPerJob = sampleGridsPerJob
            self.sampleGridBytes = sampleGridBytes
            self.remainingEpochs = remainingEpochs
        }
    }

    public var data: [String: PlanDataCounts] = [:]
    public var models: [ModelPlan] = []
    /// Jobs running at once (local `--jobs`, or the Slurm throttle; nil: every task at once).
    public var parallel: Int?
    public var threadsPerJob: Int
    public var slurm: Bool
    /// Cores of this machine (local runs share them).
    public var cores: Int
    /// Memory of this machine in bytes.
    public var machineMemory: Int
    /// Bytes of the face cache this run fills (file datasets not yet cached).
    public var faceCacheBytes: Int = 0
    /// Bytes the run log grows by.
    public var runLogBytes: Int = 0
    /// The results folder and its free bytes.
    public var folder: String
    public var freeBytes: Int?

    public init(parallel: Int?, threadsPerJob: Int, slurm: Bool, cores: Int, machineMemory: Int, folder: String, freeBytes: Int?) {
        self.parallel = parallel
        self.threadsPerJob = threadsPerJob
        self.slurm = slurm
        self.cores = cores
        self.machineMemory = machineMemory
        self.folder = folder
        self.freeBytes = freeBytes
    }

    /// Local jobs slow each other down when their threads outnumber the cores.
    public var contention: Double {
        guard !slurm, let parallel else { return 1 }
        return max(1, Double(parallel * threadsPerJob) / Double(max(cores, 1)))
    }

    /// Wall seconds of the whole run: the jobs start in order on the first free slot.
    public var wallSeconds: Double {
        let durations = models.flatMap { m in m.remainingEpochs.map { Double($0) * m.secondsPerEpoch.value * contention } }
        guard !durations.isEmpty else { return 0 }
        var slots = [Double](repeating: 0, count: min(parallel ?? durations.count, durations.count))
        for d in durations {
            let i = slots.indices.min { slots[$0] < slots[$1] }!
            slots[i] += d
        }
        return slots.max() ?? 0
    }

    /// Core-hours of the whole run (each job's time alone times its threads).
    public var coreHours: Double {
        models.reduce(0) { $0 + Double($1.epochsToRun) * $1.secondsPerEpoch.value } * Double(threadsPerJob) / 3600
    }

    /// Peak memory of one job, the largest of the models.
    public var peakMemoryPerJob: Int { Int(models.map(\.peakMemory.value).max() ?? 0) }

    /// Bytes of the jobs' checkpoints at the end (one file per job, overwritten each epoch).
    public var checkpointBytes: Int { models.reduce(0) { $0 + $1.jobs * $1.checkpointBytes } }
    public var sampleGridBytes: Int { models.reduce(0) { $0 + $1.jobs * $1.sampleGridsPerJob * $1.sampleGridBytes } }
    /// What the run adds to the disk by its end.
    public var diskAtEnd: Int { checkpointBytes + sampleGridBytes + faceCacheBytes + runLogBytes }
    /// The most it adds at any moment: the end, plus a checkpoint being written beside its last
    /// version by every job at once, plus the run log's write-ahead log before it folds back.
    public var diskAtPeak: Int {
        let running = min(parallel ?? models.reduce(0) { $0 + $1.jobs }, models.reduce(0) { $0 + $1.jobs })
        return diskAtEnd + running * (models.map(\.checkpointBytes).max() ?? 0) + 8 << 20
    }

    /// Seconds and memory a Slurm task should ask for: the largest job's estimate times 1.5 plus
    /// 10 minutes, and the peak memory times 1.5 (at least 256 MiB), rounded up.
    public var slurmTimeLimit: String { SlurmDuration.text(seconds: (models.map(\.secondsPerJob).max() ?? 0) * 1.5 + 600) }
    public var slurmMemory: String { "\(max(256, Int((Double(peakMemoryPerJob) * 1.5 / 1_048_576).rounded(.up))))M" }
}

/// Slurm's time formats.
public enum SlurmDuration {
    /// D-HH:MM:SS (or HH:MM:SS under a day), rounded up to the minute.
    public static func text(seconds: Double) -> String {
        let minutes = Int((seconds / 60).rounded(.up))
        let d = minutes / 1440, h = (minutes % 1440) / 60, m = minutes % 60
        let clock = String(format: "%02d:%02d:00", h, m)
        return d > 0 ? "\(d)-\(clock)" : clock
    }

    /// Seconds of a `--time` value (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS); nil when unreadable.
    public static func seconds(_ text: String) -> Double? {
        var days = 0.0, rest = Substring(text)
        if let dash = text.firstIndex(of: "-") {
            guard let d = Double(text[..<dash]) else { return nil }
            days = d
            rest = text[text.index(after: dash)...]
        }
        let parts = rest.split(separator: ":").map { Double($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        let p = parts.map { $0! }
        let seconds: Double
        if text.contains("-") {
            // D-HH, D-HH:MM, D-HH:MM:SS
            seconds = p[0] * 3600 + (p.count > 1 ? p[1] * 60 : 0) + (p.count > 2 ? p[2] : 0)
        } else {
            switch p.count {
            case 1: seconds = p[0] * 60
            case 2: seconds = p[0] * 60 + p[1]
            case 3: seconds = p[0] * 3600 + p[1] * 60 + p[2]
            default: return nil
            }
        }
        return days * 86400 + seconds
    }
}

/// A duration as people read it: "45 s", "12 min", "3.4 h", "2.1 days".
public func durationText(_ seconds: Double) -> String {
    if seconds < 10 { return String(format: "%.2g s", seconds) }
    if seconds < 90 { return String(format: "%.0f s", seconds) }
    if seconds < 5400 { return String(format: "%.0f min", seconds / 60) }
    if seconds < 172_800 { return String(format: "%.1f h", seconds / 3600) }
    return String(format: "%.1f days", seconds / 86400)
}

extension RunPlan {
    /// Why the run should not start: the disk holds less than its peak, or its jobs at once need
    /// more memory than the machine has (local runs). Nil when it fits.
    public var refusal: PlanError? {
        if let freeBytes, freeBytes < diskAtPeak { return .diskTooSmall(folder: folder, needed: diskAtPeak, free: freeBytes) }
        let jobs = models.reduce(0) { $0 + $1.jobs }
        let atOnce = min(parallel ?? jobs, jobs)
        if !slurm, atOnce > 1, atOnce * peakMemoryPerJob > machineMemory {
            return .memoryTooSmall(jobs: atOnce, perJob: peakMemoryPerJob, total: machineMemory)
        }
        return nil
    }
}
