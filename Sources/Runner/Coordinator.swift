// The coordinator of `exp run`: starts one worker process per job, at most `jobs` at a time,
// turns their messages into run-log writes (it is the ONLY writer of the log), and decides each
// job's final status. Workers resume from their own checkpoints, so the coordinator only chooses
// which jobs to start: not completed ones (and failed or diverged ones when retrying).

import Foundation
import RunLog

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
}

/// Receives progress as the coordinator sees it (the terminal view, plain lines, or nothing).
public protocol ProgressSink: AnyObject {
    /// The run starts `jobs` jobs; `skipped` were already finished.
    func runStarting(jobs: Int, skipped: Int)
    func jobStarted(_ job: String, resumedFromEpoch: Int, epochs: Int)
    func jobEpoch(_ job: String, epoch: Int, metrics: [String: Double])
    func jobFinished(_ job: String, status: JobStatus, detail: String?)
    /// Another connection holds the run log's write lock (or has released it): writes wait.
    func runLogBusy(_ event: BusyEvent)
}

/// A job the coordinator may start: its id in the log, the name shown in progress, and the
/// worker's command-line arguments.
public struct PlannedJob: Sendable {
    public var id: Int64
    public var name: String
    public var arguments: [String]
    public init(id: Int64, name: String, arguments: [String]) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

public struct CoordinatorOptions: Sendable {
    /// Worker processes at once.
    public var jobs: Int
    /// BLAS threads of each worker.
    public var threadsPerJob: Int
    /// Start failed and diverged jobs again.
    public var retryFailed: Bool

    public init(jobs: Int = 1, threadsPerJob: Int = 1, retryFailed: Bool = false) {
        self.jobs = jobs
        self.threadsPerJob = threadsPerJob
        self.retryFailed = retryFailed
    }
}

public struct RunSummary: Equatable, Sendable {
    public var counts: [JobStatus: Int] = [:]
    public var skipped = 0
    /// Of the skipped jobs, those that failed or diverged in an earlier run (`--retry-failed` runs them).
    public var skippedUnfinished = 0
    public var interrupted = false
    /// Wall-clock seconds from the first worker's launch to the last one's exit.
    public var wallSeconds: Double = 0
    /// Sum over workers of their wall-clock seconds, launch to exit.
    public var workerSeconds: Double = 0
    /// CPU seconds (user + system) the coordinator itself used while the workers ran: reading
    /// their messages, writing the run log and drawing progress.
    public var coordinatorCPUSeconds: Double = 0
    public var allCompleted: Bool { counts.keys.allSatisfy { $0 == .completed } && skippedUnfinished == 0 }
}

public final class Coordinator {
    private let log: RunLogWriter
    private let pool: WorkerPool
    private let progress: ProgressSink?
    private let options: CoordinatorOptions
    private let stopLock = NSLock()
    private var stopRequested = false

    public init(log: RunLogWriter, pool: WorkerPool, options: CoordinatorOptions, progress: ProgressSink?) {
        self.log = log
        self.pool = pool
        self.options = options
        self.progress = progress
    }

    /// Stops starting jobs and asks the running workers to checkpoint and stop.
    public func requestStop() {
        stopLock.lock()
        stopRequested = true
        stopLock.unlock()
        pool.interruptAll()
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
        for job in planned {
            switch try log.status(of: job.id).status {
            case .completed:
                summary.skipped += 1
            case .failed, .diverged:
                if options.retryFailed {
                    queue.append(job)
                } else {
                    summary.skipped += 1
                    summary.skippedUnfinished += 1
                }
            case .pending, .running, .interrupted:
                queue.append(job)
            }
        }
        progress?.runStarting(jobs: queue.count, skipped: summary.skipped)
        let byKey = Dictionary(uniqueKeysWithValues: planned.map { (String($0.id), $0) })
        var finished: Set<Int64> = []
        var failureText: [Int64: String] = [:]
        var predictions: [Int64: [Prediction]] = [:]
        var interruptedAt: [Int64: Int] = [:]
        // Jobs launched whose exit event has not been handled yet: the loop ends only when all
        // are handled, so no message still queued behind a process's exit is lost.
        var active: Set<Int64> = []
        var launchedAt: [Int64: Double] = [:]
        let startWall = monotonicSeconds(), startCPU = processCPUSeconds()

        func finish(_ job: PlannedJob, _ status: JobStatus, _ error: String?) throws {
            guard !finished.contains(job.id) else { return }
            finished.insert(job.id)
            try log.finish(job.id, status: status, error: error, predictions: status == .completed ? predictions[job.id] ?? [] : [])
            predictions[job.id] = nil
            summary.counts[status, default: 0] += 1
            progress?.jobFinished(job.name, status: status, detail: error)
        }

        while (!queue.isEmpty && !stopping) || !active.isEmpty {
            while !stopping, active.count < options.jobs, !queue.isEmpty {
                let job = queue.removeFirst()
                try log.markRunning(job.id)
                do {
                    try pool.launch(job: String(job.id), arguments: job.arguments,
                                    environment: ["OPENBLAS_NUM_THREADS": String(options.threadsPerJob)])
                    active.insert(job.id)
                    launchedAt[job.id] = monotonicSeconds()
                } catch {
                    try finish(job, .failed, "could not start the worker: \(error)")
                }
            }
            guard let event = pool.nextEvent(timeout: 0.5) else { continue }
            switch event {
            case .message(let key, let message):
                guard let job = byKey[key] else { continue }
                let id = job.id
                switch message {
                case .started(let resumed, let epochs):
                    try log.recordStart(id, resumedFromEpoch: resumed)
                    progress?.jobStarted(job.name, resumedFromEpoch: resumed, epochs: epochs)
                case .epoch(let epoch, let metrics):
                    try log.recordEpoch(id, epoch: epoch, metrics: metrics)
                    progress?.jobEpoch(job.name, epoch: epoch, metrics: metrics)
                case .artifact(let kind, let path, let epoch):
                    try log.recordArtifact(id, kind: kind, path: path, epoch: epoch)
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
            case .exited(let key, let status, let tail):
                guard let job = byKey[key] else { continue }
                active.remove(job.id)
                if let t = launchedAt.removeValue(forKey: job.id) { summary.workerSeconds += monotonicSeconds() - t }
                if finished.contains(job.id) { continue }
                if let epoch = interruptedAt[job.id] {
                    try finish(job, .interrupted, "interrupted after epoch \(epoch)")
                } else if stopping && (status == 130 || status == 128 + SIGINT) {
                    try finish(job, .interrupted, "interrupted")
                } else if failureText[job.id] == nil, let signal = WorkerExit.stoppingSignal(status) {
                    // Killed from outside (a user, a scheduler, the out-of-memory killer), not a
                    // fault of the job: its last checkpoint is whole, and a rerun resumes from it.
                    try finish(job, .interrupted, "the worker was killed by signal \(signal); run the same command again to resume")
                } else {
                    let text = failureText[job.id] ?? "worker exited with status \(status) before finishing"
                    try finish(job, .failed, tail.isEmpty ? text : text + "\nlast lines of its stderr:\n" + tail)
                }
            }
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
