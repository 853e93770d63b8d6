// The coordinator's bookkeeping as a value: what it knows of each job between a worker's lines and
// its exit, and what it must write (to the run log, to the progress view) in answer to each event.
// `Coordinator` performs the writes in order; this file decides them, without processes or a
// database, so every path of a job (completed, diverged, interrupted, killed, failed, ended by its
// executor) is unit-tested.

import Foundation
import RunLog
import Vocabulary

/// A job's id in the run log. Executors name jobs by its text (`"12"`: messages files, Slurm's task
/// lines), the run log by the number.
public struct JobID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: Int64
    public init(_ value: Int64) { self.value = value }
    /// The id an executor's job name gives; nil for a name that is no id.
    public init?(_ text: String) {
        guard let value = Int64(text) else { return nil }
        self.value = value
    }
    public var description: String { String(value) }
    public static func < (a: JobID, b: JobID) -> Bool { a.value < b.value }
}

/// One thing the coordinator does in answer to an event, in order.
public enum CoordinatorWrite: Equatable, Sendable {
    // The run log.
    case recordStart(JobID, resumedFromEpoch: Int)
    case recordAttempt(JobID, resumedFromEpoch: Int, MachineNumerics)
    case recordEpoch(JobID, epoch: Int, metrics: [String: Double])
    case recordArtifact(JobID, kind: ArtifactKind, path: String, epoch: Int)
    case recordExecution(JobID, ExecutionRecord)
    case finish(JobID, JobStatus, error: String?, predictions: [Prediction])
    // The progress view.
    case showNotice(String)
    case showStarted(name: String, resumedFromEpoch: Int, epochs: Int)
    case showEpoch(name: String, epoch: Int, metrics: [String: Double])
    case showExecution(name: String, ExecutionRecord)
    case showFinished(name: String, status: JobStatus, detail: String?)

    /// A write to the run log (the others go to the progress view).
    public var isRunLogWrite: Bool {
        switch self {
        case .recordStart, .recordAttempt, .recordEpoch, .recordArtifact, .recordExecution, .finish: return true
        case .showNotice, .showStarted, .showEpoch, .showExecution, .showFinished: return false
        }
    }
}

public struct CoordinatorState: Sendable {
    /// The jobs of this run, by id.
    public internal(set) var jobs: [JobID: PlannedJob]
    /// Jobs whose worker is out (launched or adopted) and whose exit is not handled yet.
    public internal(set) var active: Set<JobID> = []
    /// When each active job's worker was launched (monotonic seconds).
    public internal(set) var launchedAt: [JobID: Double] = [:]
    /// Jobs whose final status is written.
    public internal(set) var finished: Set<JobID> = []
    /// What a worker said of its failure, its test predictions, the epoch it stopped after on
    /// request, and the epoch its current worker resumed from.
    public internal(set) var failureText: [JobID: String] = [:]
    public internal(set) var predictions: [JobID: [Prediction]] = [:]
    public internal(set) var interruptedAt: [JobID: Int] = [:]
    public internal(set) var resumedFrom: [JobID: Int] = [:]
    public internal(set) var summary = RunSummary()
    /// Jobs whose worker waits for disk space: while there are any, no job starts.
    public internal(set) var waitingForSpace: Set<JobID> = []

    public init(_ planned: [PlannedJob]) {
        jobs = Dictionary(uniqueKeysWithValues: planned.map { (JobID($0.id), $0) })
    }

    /// A job handed in while the run goes on (`exp tune`'s next rung of a trial: the same job
    /// again, resumed from its checkpoint); what was known of its earlier worker is forgotten.
    public mutating func add(_ job: PlannedJob) {
        let id = JobID(job.id)
        jobs[id] = job
        finished.remove(id)
        failureText[id] = nil
        predictions[id] = nil
        interruptedAt[id] = nil
        resumedFrom[id] = nil
    }

    /// A worker is out for `id` (launched at `now`).
    public mutating func launched(_ id: JobID, now: Double) {
        active.insert(id)
        launchedAt[id] = now
    }

    /// The writes that end job `id` with `status` (nothing when it has ended already).
    public mutating func finish(_ id: JobID, _ status: JobStatus, _ error: String?) -> [CoordinatorWrite] {
        guard let job = jobs[id], finished.insert(id).inserted else { return [] }
        let kept = status == .completed ? predictions[id] ?? [] : []
        predictions[id] = nil
        summary.counts[status, default: 0] += 1
        return [.finish(id, status, error: error, predictions: kept), .showFinished(name: job.name, status: status, detail: error)]
    }

    /// What to write for `event`; `stopping` says whether the user asked the run to stop, `now` is
    /// the monotonic clock (for the workers' summed time).
    public mutating func apply(_ event: WorkerEvent, stopping: Bool, now: Double) -> [CoordinatorWrite] {
        switch event {
        case .notice(let text):
            return [.showNotice(text)]
        case .execution(let key, let execution):
            guard let id = JobID(key), let job = jobs[id] else { return [] }
            return [.recordExecution(id, execution), .showExecution(name: job.name, execution)]
        case .message(let key, let message):
            guard let id = JobID(key), let job = jobs[id] else { return [] }
            return apply(message, of: id, job)
        case .exited(let key, let status, let tail, let verdict):
            guard let id = JobID(key), jobs[id] != nil else { return [] }
            active.remove(id)
            waitingForSpace.remove(id)
            if let t = launchedAt.removeValue(forKey: id) { summary.workerSeconds += now - t }
            if finished.contains(id) { return [] }
            let end = Self.exitDecision(status: status, stderrTail: tail, verdict: verdict, interruptedAfter: interruptedAt[id],
                                        failure: failureText[id], stopping: stopping)
            return finish(id, end.status, end.error)
        }
    }

    private mutating func apply(_ message: WorkerMessage, of id: JobID, _ job: PlannedJob) -> [CoordinatorWrite] {
        switch message {
        case .started(let resumed, let epochs):
            resumedFrom[id] = resumed
            return [.recordStart(id, resumedFromEpoch: resumed), .showStarted(name: job.name, resumedFromEpoch: resumed, epochs: epochs)]
        case .machine(let machine):
            return [.recordAttempt(id, resumedFromEpoch: resumedFrom[id] ?? 0, machine)]
        case .epoch(let epoch, let metrics):
            waitingForSpace.remove(id)
            return [.recordEpoch(id, epoch: epoch, metrics: metrics), .showEpoch(name: job.name, epoch: epoch, metrics: metrics)]
        case .artifact(let kind, let path, let epoch):
            return [.recordArtifact(id, kind: kind, path: path, epoch: epoch)]
        case .predictions(let records):
            predictions[id, default: []] += records
            return []
        case .completed:
            return finish(id, .completed, nil)
        case .diverged(let epoch, let step, let detail):
            return finish(id, .diverged, "diverged at epoch \(epoch), step \(step): \(detail)")
        case .interrupted(let epoch):
            interruptedAt[id] = epoch
            return []
        case .failed(let text):
            failureText[id] = text
            return []
        case .diskFull(let text):
            guard waitingForSpace.insert(id).inserted else { return [] }
            return [.showNotice("\(job.name) paused: \(text). No job starts until it goes on; free some space and it goes on by "
                                + "itself (Ctrl-C stops it after its last whole epoch)")]
        }
    }

    /// How a job whose worker exited without a final line ends: stopped on request after an epoch;
    /// as its executor decided (a time or memory limit, a cancelled task), with what the worker
    /// said; interrupted by the user's Ctrl-C; interrupted when killed from outside by a signal
    /// that asks a process to end (a user, a scheduler, the out-of-memory killer: its last
    /// checkpoint is whole, a rerun resumes it); failed otherwise, with the worker's message or
    /// exit status and its last lines of stderr.
    public static func exitDecision(status: Int32, stderrTail: String, verdict: ExecutorVerdict?, interruptedAfter epoch: Int?,
                             failure: String?, stopping: Bool) -> (status: JobStatus, error: String) {
        let stderr = stderrTail.isEmpty ? "" : "\nlast lines of its stderr:\n" + stderrTail
        if let epoch { return (.interrupted, "interrupted after epoch \(epoch)") }
        if let verdict { return (verdict.status, verdict.reason + (failure.map { "\n" + $0 } ?? "") + stderr) }
        if stopping && (status == 130 || status == 128 + SIGINT) { return (.interrupted, "interrupted") }
        if failure == nil, let signal = WorkerExit.stoppingSignal(status) {
            return (.interrupted, "the worker was killed by signal \(signal); run the same command again to resume")
        }
        return (.failed, (failure ?? "worker exited with status \(status) before finishing") + stderr)
    }
}
