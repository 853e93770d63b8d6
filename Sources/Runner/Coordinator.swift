// The coordinator of `exp run`: starts one worker process per job, at most `jobs` at a time,
// turns their messages into run-log writes (it is the ONLY writer of the log), and decides each
// job's final status. Workers resume from their own checkpoints, so the coordinator only chooses
// which jobs to start: not completed ones (and failed or diverged ones when retrying).

import Foundation

/// Life cycle of a job in the run log.
public enum JobStatus: String, Sendable, CaseIterable, Codable {
    case pending, running, completed, failed, diverged, interrupted
}

/// What the coordinator needs from the run log.
public protocol RunLog: AnyObject {
    /// Status and attempts so far of a job.
    func status(of job: String) throws -> (status: JobStatus, attempts: Int)
    /// The job is being started (attempt counts from 1).
    func markRunning(_ job: String, attempt: Int) throws
    /// The worker started; metrics of epochs after `resumedFromEpoch` (from an attempt that died
    /// before its next checkpoint) are dropped, since the worker recomputes them.
    func recordStart(_ job: String, resumedFromEpoch: Int) throws
    func recordEpoch(_ job: String, epoch: Int, metrics: [String: Double]) throws
    func recordArtifact(_ job: String, kind: String, path: String, epoch: Int) throws
    /// The job's final status, its error text, and (when completed) its test predictions, in one transaction.
    func finish(_ job: String, status: JobStatus, error: String?, predictions: [PredictionRecord]) throws
}

/// Receives progress as the coordinator sees it (the terminal view, plain lines, or nothing).
public protocol ProgressSink: AnyObject {
    func jobStarted(_ job: String, resumedFromEpoch: Int, epochs: Int)
    func jobEpoch(_ job: String, epoch: Int, metrics: [String: Double])
    func jobFinished(_ job: String, status: JobStatus, detail: String?)
}

/// A job the coordinator may start: its id in the log and the worker's command-line arguments.
public struct PlannedJob: Sendable {
    public var id: String
    public var arguments: [String]
    public init(id: String, arguments: [String]) {
        self.id = id
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
    public var interrupted = false
    public var allCompleted: Bool { counts.keys.allSatisfy { $0 == .completed } }
}

public final class Coordinator {
    private let log: RunLog
    private let pool: WorkerPool
    private let progress: ProgressSink?
    private let options: CoordinatorOptions
    private let stopLock = NSLock()
    private var stopRequested = false

    public init(log: RunLog, pool: WorkerPool, options: CoordinatorOptions, progress: ProgressSink?) {
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
        var queue: [(PlannedJob, Int)] = []
        for job in planned {
            let (status, attempts) = try log.status(of: job.id)
            switch status {
            case .completed:
                summary.skipped += 1
            case .failed, .diverged:
                if options.retryFailed { queue.append((job, attempts)) } else { summary.skipped += 1 }
            case .pending, .running, .interrupted:
                queue.append((job, attempts))
            }
        }
        var finished: Set<String> = []
        var failureText: [String: String] = [:]
        var predictions: [String: [PredictionRecord]] = [:]
        var interruptedAt: [String: Int] = [:]
        // Jobs launched whose exit event has not been handled yet: the loop ends only when all
        // are handled, so no message still queued behind a process's exit is lost.
        var active: Set<String> = []

        func finish(_ id: String, _ status: JobStatus, _ error: String?) throws {
            guard !finished.contains(id) else { return }
            finished.insert(id)
            try log.finish(id, status: status, error: error, predictions: status == .completed ? predictions[id] ?? [] : [])
            predictions[id] = nil
            summary.counts[status, default: 0] += 1
            progress?.jobFinished(id, status: status, detail: error)
        }

        while (!queue.isEmpty && !stopping) || !active.isEmpty {
            while !stopping, active.count < options.jobs, !queue.isEmpty {
                let (job, attempts) = queue.removeFirst()
                try log.markRunning(job.id, attempt: attempts + 1)
                do {
                    try pool.launch(job: job.id, arguments: job.arguments,
                                    environment: ["OPENBLAS_NUM_THREADS": String(options.threadsPerJob)])
                    active.insert(job.id)
                } catch {
                    try finish(job.id, .failed, "could not start the worker: \(error)")
                }
            }
            guard let event = pool.nextEvent(timeout: 0.5) else { continue }
            switch event {
            case .message(let id, let message):
                switch message {
                case .started(let resumed, let epochs):
                    try log.recordStart(id, resumedFromEpoch: resumed)
                    progress?.jobStarted(id, resumedFromEpoch: resumed, epochs: epochs)
                case .epoch(let epoch, let metrics):
                    try log.recordEpoch(id, epoch: epoch, metrics: metrics)
                    progress?.jobEpoch(id, epoch: epoch, metrics: metrics)
                case .artifact(let kind, let path, let epoch):
                    try log.recordArtifact(id, kind: kind, path: path, epoch: epoch)
                case .predictions(let records):
                    predictions[id, default: []] += records
                case .completed:
                    try finish(id, .completed, nil)
                case .diverged(let epoch, let step, let detail):
                    try finish(id, .diverged, "diverged at epoch \(epoch), step \(step): \(detail)")
                case .interrupted(let epoch):
                    interruptedAt[id] = epoch
                case .failed(let text):
                    failureText[id] = text
                }
            case .exited(let id, let status, let tail):
                active.remove(id)
                if finished.contains(id) { continue }
                if let epoch = interruptedAt[id] {
                    try finish(id, .interrupted, "interrupted after epoch \(epoch)")
                } else if stopping && (status == 130 || status == 128 + SIGINT) {
                    try finish(id, .interrupted, "interrupted")
                } else {
                    let text = failureText[id] ?? "worker exited with status \(status) before finishing"
                    try finish(id, .failed, tail.isEmpty ? text : text + "\nlast lines of its stderr:\n" + tail)
                }
            }
        }
        summary.interrupted = stopping
        for (job, _) in queue where !finished.contains(job.id) {
            summary.counts[.pending, default: 0] += 1
        }
        return summary
    }
}
