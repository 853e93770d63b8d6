// The coordinator of `exp run`: has its executor run one worker per job (at most the executor's
// capacity at a time), turns the workers' messages into run-log writes (it is the ONLY writer of
// the log), and decides each job's final status. Workers resume from their own checkpoints, so the
// coordinator only chooses which jobs to start: not completed ones (and failed or diverged ones
// when retrying), and not ones whose task an earlier `exp run` left running, which the executor
// takes over instead.

import Foundation
import RunLog
import Vocabulary

/// What the coordinator needs from the run log.
/// `RunStore` (RunLog) is the real one; tests use an in-memory log.
public protocol RunLogWriter: AnyObject {
    /// Status and attempts so far of a job.
    func status(of job: Int64) throws -> (status: JobStatus, attempts: Int)
    /// The job is being started (the store counts the attempt).
    func markRunning(_ job: Int64) throws
    /// The worker started; metrics of epochs after `resumedFromEpoch` (from an attempt that died
    /// before its next checkpoint) are dropped, since the worker recomputes them.
    func recordStart(_ job: Int64, resumedFromEpoch: Int) throws
    func recordEpoch(_ job: Int64, epoch: Int, metrics: [String: Double]) throws
    func recordArtifact(_ job: Int64, kind: String, path: String, epoch: Int) throws
    /// The job's final status, its error text, and (when completed) its test predictions, in one transaction.
    func finish(_ job: Int64, status: JobStatus, error: String?, predictions: [Prediction]) throws
    /// The recorded executions of these jobs (of those that have one).
    func executions(of jobs: [Int64]) throws -> [Int64: ExecutionRecord]
    /// Where and how the job runs now (replacing what was recorded before).
    func recordExecution(_ job: Int64, _ execution: ExecutionRecord) throws
    /// The machine and kernels of the job's current worker (its attempt's provenance).
    func recordAttempt(jobID: Int64, resumedFromEpoch: Int, machine: MachineNumerics) throws
}

extension RunLogWriter {
    public func recordAttempt(jobID: Int64, resumedFromEpoch: Int, machine: MachineNumerics) throws {}
}

extension RunStore: RunLogWriter {
    public func status(of job: Int64) throws -> (status: JobStatus, attempts: Int) {
        let record = try self.job(id: job)
        return (record.status, record.attempts)
    }
    public func markRunning(_ job: Int64) throws { try transition(jobID: job, to: .running) }
    public func recordStart(_ job: Int64, resumedFromEpoch: Int) throws { try resume(jobID: job, fromEpoch: resumedFromEpoch) }
    public func recordEpoch(_ job: Int64, epoch: Int, metrics: [String: Double]) throws {
        try recordEpoch(jobID: job, epoch: epoch, metrics: metrics)
    }
    public func recordArtifact(_ job: Int64, kind: String, path: String, epoch: Int) throws {
        try recordArtifact(jobID: job, kind: kind, path: path, epoch: epoch)
    }
    public func finish(_ job: Int64, status: JobStatus, error: String?, predictions: [Prediction]) throws {
        try finish(jobID: job, status: status, error: error, predictions: predictions)
    }
    public func executions(of jobs: [Int64]) throws -> [Int64: ExecutionRecord] {
        var out: [Int64: ExecutionRecord] = [:]
        for job in jobs { out[job] = try execution(jobID: job) }
        return out
    }
    public func recordExecution(_ job: Int64, _ execution: ExecutionRecord) throws { try recordExecution(jobID: job, execution) }
}

/// Receives progress as the coordinator sees it (the terminal view, plain lines, or nothing).
public protocol ProgressSink: AnyObject {
    /// The run starts or submits `jobs` jobs and watches `attached` jobs an earlier run left
    /// running; `skipped` were already finished.
    func runStarting(jobs: Int, attached: Int, skipped: Int)
    func jobStarted(_ job: String, resumedFromEpoch: Int, epochs: Int)
    func jobEpoch(_ job: String, epoch: Int, metrics: [String: Double])
    func jobFinished(_ job: String, status: JobStatus, detail: String?)
    /// Where and how the job runs changed (queued, started on a node, requeued, ended).
    func jobExecution(_ job: String, _ execution: ExecutionRecord)
    /// A message from the executor (a submission, a queue that does not answer).
    func notice(_ text: String)
    /// Another connection holds the run log's write lock (or has released it): writes wait.
    func runLogBusy(_ event: BusyEvent)
}

/// A job the coordinator may start: its id in the log, the name shown in progress, and the
/// worker's command-line arguments.
public struct PlannedJob: Sendable {
    public var id: Int64
    public var name: String
    public var arguments: [String]
    /// Environment variables of the worker (the numerics mode of its experiment).
    public var environment: [String: String]
    public init(id: Int64, name: String, arguments: [String], environment: [String: String] = [:]) {
        self.environment = environment
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

public struct CoordinatorOptions: Sendable {
    /// BLAS threads of each worker.
    public var threadsPerJob: Int
    /// Start failed and diverged jobs again.
    public var retryFailed: Bool
    /// Return once every job is launched (submitted), leaving them to the executor: a later run
    /// attaches to them (`exp run --detach`, for executors whose tasks outlive the coordinator).
    public var detach: Bool

    public init(threadsPerJob: Int = 1, retryFailed: Bool = false, detach: Bool = false) {
        self.threadsPerJob = threadsPerJob
        self.retryFailed = retryFailed
        self.detach = detach
    }
}

public struct RunSummary: Equatable, Sendable {
    public var counts: [JobStatus: Int] = [:]
    public var skipped = 0
    /// Of the skipped jobs, those that failed or diverged in an earlier run (`--retry-failed` runs them).
    public var skippedUnfinished = 0
    public var interrupted = false
    /// Jobs left running in the executor by a detached run (`--detach`).
    public var detached = 0
    /// Jobs whose tasks an earlier run left running, watched by this run.
    public var attached = 0
    /// Wall-clock seconds from the first worker's launch to the last one's exit.
    public var wallSeconds: Double = 0
    /// Sum over workers of their wall-clock seconds, launch to exit.
    public var workerSeconds: Double = 0
    /// CPU seconds (user + system) the coordinator itself used while the workers ran: reading
    /// their messages, writing the run log and drawing progress.
    public var coordinatorCPUSeconds: Double = 0
    public var allCompleted: Bool { counts.keys.allSatisfy { $0 == .completed } && skippedUnfinished == 0 && detached == 0 }
}

public final class Coordinator {
    private let log: RunLogWriter
    private let executor: Executor
    private let progress: ProgressSink?
    private let options: CoordinatorOptions
    private let stopLock = NSLock()
    private var stopRequested = false

    public init(log: RunLogWriter, executor: Executor, options: CoordinatorOptions, progress: ProgressSink?) {
        self.log = log
        self.executor = executor
        self.options = options
        self.progress = progress
    }

    /// Stops starting jobs and asks the running workers to checkpoint and stop.
    public func requestStop() {
        stopLock.lock()
        stopRequested = true
        stopLock.unlock()
        executor.interruptAll()
    }

    private var stopping: Bool {
        stopLock.lock()
        defer { stopLock.unlock() }
        return stopRequested
    }

    /// Runs the jobs that still need running and returns how they ended.
    public func run(_ planned: [PlannedJob]) throws -> RunSummary {
        var summary = RunSummary()
        var queue: [PlannedJob] = []
        var statuses: [Int64: JobStatus] = [:]
        for job in planned { statuses[job.id] = try log.status(of: job.id).status }
        // Jobs an earlier `exp run` left running: the executor takes over the tasks it can watch
        // (a scheduler's tasks outlive their coordinator); the others are not running any more.
        let running = planned.filter { statuses[$0.id] == .running }.map(\.id)
        let executions = try log.executions(of: running)
        let adopted = try executor.adopt(Dictionary(uniqueKeysWithValues: executions.map { (String($0.key), $0.value) }))
        // Jobs launched whose exit event has not been handled yet: the loop ends only when all
        // are handled, so no message still queued behind a process's exit is lost.
        var active: Set<Int64> = []
        var launchedAt: [Int64: Double] = [:]
        for job in planned {
            switch statuses[job.id]! {
            case .completed:
                summary.skipped += 1
            case .failed, .diverged:
                if options.retryFailed {
                    queue.append(job)
                } else {
                    summary.skipped += 1
                    summary.skippedUnfinished += 1
                }
            case .running where adopted.contains(String(job.id)):
                active.insert(job.id)
                launchedAt[job.id] = monotonicSeconds()
            case .running:
                try log.finish(job.id, status: .interrupted, error: "the coordinator stopped while the job was running", predictions: [])
                queue.append(job)
            case .pending, .interrupted:
                queue.append(job)
            }
        }
        summary.attached = active.count
        progress?.runStarting(jobs: queue.count, attached: active.count, skipped: summary.skipped)
        let byKey = Dictionary(uniqueKeysWithValues: planned.map { (String($0.id), $0) })
        var finished: Set<Int64> = []
        var failureText: [Int64: String] = [:]
        var predictions: [Int64: [Prediction]] = [:]
        var interruptedAt: [Int64: Int] = [:]
        // The epoch each job's current worker resumed from, for its attempt record.
        var startedAt: [Int64: Int] = [:]
        let startWall = monotonicSeconds(), startCPU = processCPUSeconds()

        func finish(_ job: PlannedJob, _ status: JobStatus, _ error: String?) throws {
            guard !finished.contains(job.id) else { return }
            finished.insert(job.id)
            try log.finish(job.id, status: status, error: error, predictions: status == .completed ? predictions[job.id] ?? [] : [])
            predictions[job.id] = nil
            summary.counts[status, default: 0] += 1
            progress?.jobFinished(job.name, status: status, detail: error)
        }

        func handle(_ event: WorkerEvent) throws {
            switch event {
            case .notice(let text):
                progress?.notice(text)
            case .execution(let key, let execution):
                guard let job = byKey[key] else { return }
                try log.recordExecution(job.id, execution)
                progress?.jobExecution(job.name, execution)
            case .message(let key, let message):
                guard let job = byKey[key] else { return }
                let id = job.id
                switch message {
                case .started(let resumed, let epochs):
                    try log.recordStart(id, resumedFromEpoch: resumed)
                    progress?.jobStarted(job.name, resumedFromEpoch: resumed, epochs: epochs)
                    startedAt[id] = resumed
                case .machine(let machine):
                    try log.recordAttempt(jobID: id, resumedFromEpoch: startedAt[id] ?? 0, machine: machine)
                case .epoch(let epoch, let metrics):
                    try log.recordEpoch(id, epoch: epoch, metrics: metrics)
                    progress?.jobEpoch(job.name, epoch: epoch, metrics: metrics)
                case .artifact(let kind, let path, let epoch):
                    try log.recordArtifact(id, kind: kind.rawValue, path: path, epoch: epoch)
                case .predictions(let records):
                    predictions[id, default: []] += records
                case .completed:
                    try finish(job, .completed, nil)
                case .diverged(let epoch, let step, let detail):
                    try finish(job, .diverged, "diverged at epoch \(epoch), step \(step): \(detail)")
                case .interrupted(let epoch):
                    interruptedAt[id] = epoch
                case .failed(let text):
                    failureText[id] = text
                }
            case .exited(let key, let status, let tail, let verdict):
                guard let job = byKey[key] else { return }
                active.remove(job.id)
                if let t = launchedAt.removeValue(forKey: job.id) { summary.workerSeconds += monotonicSeconds() - t }
                if finished.contains(job.id) { return }
                let stderr = tail.isEmpty ? "" : "\nlast lines of its stderr:\n" + tail
                if let epoch = interruptedAt[job.id] {
                    try finish(job, .interrupted, "interrupted after epoch \(epoch)")
                } else if let verdict {
                    // The executor ended the job (a time or memory limit, a cancelled task) or lost
                    // sight of it; what the worker said, if anything, follows its reason.
                    try finish(job, verdict.status, verdict.reason + (failureText[job.id].map { "\n" + $0 } ?? "") + stderr)
                } else if stopping && (status == 130 || status == 128 + SIGINT) {
                    try finish(job, .interrupted, "interrupted")
                } else if failureText[job.id] == nil, let signal = WorkerExit.stoppingSignal(status) {
                    // Killed from outside (a user, a scheduler, the out-of-memory killer), not a
                    // fault of the job: its last checkpoint is whole, and a rerun resumes from it.
                    try finish(job, .interrupted, "the worker was killed by signal \(signal); run the same command again to resume")
                } else {
                    try finish(job, .failed, (failureText[job.id] ?? "worker exited with status \(status) before finishing") + stderr)
                }
            }
        }

        while (!queue.isEmpty && !stopping) || !active.isEmpty {
            while !stopping, active.count < executor.capacity, !queue.isEmpty {
                let job = queue.removeFirst()
                try log.markRunning(job.id)
                let execution: ExecutionRecord
                do {
                    execution = try executor.launch(job: String(job.id), arguments: job.arguments,
                                                    environment: job.environment.merging(["OPENBLAS_NUM_THREADS": String(options.threadsPerJob)]) { a, _ in a })
                } catch {
                    try finish(job, .failed, "could not start the worker: \(error)")
                    continue
                }
                // Recorded before the executor acts on it (a submission happens on the next event
                // request), so a coordinator killed at any moment leaves a log that says where to look.
                try log.recordExecution(job.id, execution)
                progress?.jobExecution(job.name, execution)
                active.insert(job.id)
                launchedAt[job.id] = monotonicSeconds()
            }
            if options.detach && (queue.isEmpty || stopping) {
                // Detached: take in what the executor reports now (its submissions), then leave the
                // jobs to it; a later run attaches to them.
                while let event = executor.nextEvent(timeout: 0) { try handle(event) }
                summary.detached = active.count
                break
            }
            guard let event = executor.nextEvent(timeout: 0.5) else { continue }
            try handle(event)
        }
        summary.wallSeconds = monotonicSeconds() - startWall
        summary.coordinatorCPUSeconds = processCPUSeconds() - startCPU
        summary.interrupted = stopping
        summary.counts[.pending, default: 0] += queue.count
        if summary.counts[.pending] == 0 { summary.counts[.pending] = nil }
        return summary
    }
}

/// How a worker's exit status reads.
enum WorkerExit {
    /// The signal, when `status` (128 + signal) says the worker was stopped from outside by a
    /// signal that asks a process to end (KILL, TERM, HUP, INT, QUIT); crashes (SEGV, ILL, ABRT,
    /// BUS, FPE) are faults of the job and return nil.
    static func stoppingSignal(_ status: Int32) -> Int32? {
        let signal = status - 128
        return [SIGKILL, SIGTERM, SIGHUP, SIGINT, SIGQUIT].contains(signal) ? signal : nil
    }
}

/// Seconds of a monotonic clock.
func monotonicSeconds() -> Double {
    Double(DispatchTime.now().uptimeNanoseconds) / 1e9
}

/// User + system CPU seconds of this process so far (not of its children).
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
