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
    /// A write waiting for disk space gives up (the run was asked to stop).
    func stopWaitingForSpace()
    /// Makes the writes of `body` in one transaction.
    func inOneTransaction(_ body: () throws -> Void) throws
}

extension RunLogWriter {
    public func recordAttempt(jobID: Int64, resumedFromEpoch: Int, machine: MachineNumerics) throws {}
    public func stopWaitingForSpace() {}
    public func inOneTransaction(_ body: () throws -> Void) throws { try body() }
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
    public func executions(of jobs: [Int64]) throws -> [Int64: ExecutionRecord] { try executions(jobIDs: jobs) }
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
        log.stopWaitingForSpace()
    }

    private var stopping: Bool {
        stopLock.lock()
        defer { stopLock.unlock() }
        return stopRequested
    }

    /// Runs the jobs that still need running and returns how they ended. `more`, asked whenever
    /// no job waits to start (with the number of free slots), hands in further jobs as earlier
    /// ones end (`exp tune` promotes trials this way); the run ends when it has none and no
    /// worker is out. Jobs it hands in start whatever their status.
    public func run(_ planned: [PlannedJob], more: (_ freeSlots: Int) throws -> [PlannedJob] = { _ in [] }) throws -> RunSummary {
        var state = CoordinatorState(planned)
        var queue: [PlannedJob] = []
        var statuses: [Int64: JobStatus] = [:]
        for job in planned { statuses[job.id] = try log.status(of: job.id).status }
        // Jobs an earlier `exp run` left running: the executor takes over the tasks it can watch
        // (a scheduler's tasks outlive their coordinator); the others are not running any more.
        let running = planned.filter { statuses[$0.id] == .running }.map(\.id)
        let executions = try log.executions(of: running)
        let adopted = try executor.adopt(Dictionary(uniqueKeysWithValues: executions.map { (String($0.key), $0.value) }))
        // Jobs that ended while their execution's last recorded state did not: the executor says
        // how their tasks ended, where it still can.
        let ended = planned.filter { [.completed, .failed, .diverged].contains(statuses[$0.id]) }.map(\.id)
        let unsettled = try log.executions(of: ended)
        for (job, record) in executor.settle(Dictionary(uniqueKeysWithValues: unsettled.map { (String($0.key), $0.value) })) {
            if let id = Int64(job) { try log.recordExecution(id, record) }
        }
        for job in planned {
            switch statuses[job.id]! {
            case .completed:
                state.summary.skipped += 1
            case .failed, .diverged:
                if options.retryFailed {
                    queue.append(job)
                } else {
                    state.summary.skipped += 1
                    state.summary.skippedUnfinished += 1
                }
            case .running where adopted.contains(String(job.id)):
                state.launched(JobID(job.id), now: monotonicSeconds())
            case .running:
                try log.finish(job.id, status: .interrupted, error: "the coordinator stopped while the job was running", predictions: [])
                queue.append(job)
            case .pending, .interrupted:
                queue.append(job)
            }
        }
        state.summary.attached = state.active.count
        progress?.runStarting(jobs: queue.count, attached: state.active.count, skipped: state.summary.skipped)
        let startWall = monotonicSeconds(), startCPU = processCPUSeconds()
        // The events that are ready are taken in together: their run-log writes in one transaction
        // (one commit for a poll of a thousand Slurm tasks' lines), then what they show.
        func handle(_ event: WorkerEvent) throws {
            var events = [event]
            while events.count < 5000, let next = executor.nextEvent(timeout: 0) { events.append(next) }
            let writes = events.flatMap { state.apply($0, stopping: stopping, now: monotonicSeconds()) }
            try log.inOneTransaction { for write in writes where write.isRunLogWrite { try perform(write) } }
            for write in writes where !write.isRunLogWrite { try perform(write) }
        }

        // The loop ends only when every launched worker's exit is handled, so no message still
        // queued behind a process's exit is lost.
        while true {
            if queue.isEmpty && !stopping {
                for job in try more(max(0, executor.capacity - state.active.count)) {
                    state.add(job)
                    queue.append(job)
                }
            }
            guard (!queue.isEmpty && !stopping) || !state.active.isEmpty else { break }
            while !stopping, state.waitingForSpace.isEmpty, state.active.count < executor.capacity, !queue.isEmpty {
                let job = queue.removeFirst()
                try log.markRunning(job.id)
                let execution: ExecutionRecord
                do {
                    execution = try executor.launch(job: String(job.id), arguments: job.arguments,
                                                    environment: job.environment.merging(["OPENBLAS_NUM_THREADS": String(options.threadsPerJob)]) { a, _ in a })
                } catch {
                    for write in state.finish(JobID(job.id), .failed, "could not start the worker: \(error)") { try perform(write) }
                    continue
                }
                // Recorded before the executor acts on it (a submission happens on the next event
                // request), so a coordinator killed at any moment leaves a log that says where to look.
                try perform(.recordExecution(JobID(job.id), execution))
                try perform(.showExecution(name: job.name, execution))
                state.launched(JobID(job.id), now: monotonicSeconds())
            }
            if options.detach && (queue.isEmpty || stopping) {
                // Detached: take in what the executor reports now (its submissions), then leave the
                // jobs to it; a later run attaches to them.
                while let event = executor.nextEvent(timeout: 0) { try handle(event) }
                state.summary.detached = state.active.count
                break
            }
            guard let event = executor.nextEvent(timeout: 0.5) else { continue }
            try handle(event)
        }
        var summary = state.summary
        summary.wallSeconds = monotonicSeconds() - startWall
        summary.coordinatorCPUSeconds = processCPUSeconds() - startCPU
        summary.interrupted = stopping
        summary.counts[.pending, default: 0] += queue.count
        if summary.counts[.pending] == 0 { summary.counts[.pending] = nil }
        return summary
    }

    /// Does one write of the bookkeeping, to the run log or the progress view.
    private func perform(_ write: CoordinatorWrite) throws {
        switch write {
        case .recordStart(let id, let resumed): try log.recordStart(id.value, resumedFromEpoch: resumed)
        case .recordAttempt(let id, let resumed, let machine): try log.recordAttempt(jobID: id.value, resumedFromEpoch: resumed, machine: machine)
        case .recordEpoch(let id, let epoch, let metrics): try log.recordEpoch(id.value, epoch: epoch, metrics: metrics)
        case .recordArtifact(let id, let kind, let path, let epoch): try log.recordArtifact(id.value, kind: kind.rawValue, path: path, epoch: epoch)
        case .recordExecution(let id, let execution): try log.recordExecution(id.value, execution)
        case .finish(let id, let status, let error, let predictions): try log.finish(id.value, status: status, error: error, predictions: predictions)
        case .showNotice(let text): progress?.notice(text)
        case .showStarted(let name, let resumed, let epochs): progress?.jobStarted(name, resumedFromEpoch: resumed, epochs: epochs)
        case .showEpoch(let name, let epoch, let metrics): progress?.jobEpoch(name, epoch: epoch, metrics: metrics)
        case .showExecution(let name, let execution): progress?.jobExecution(name, execution)
        case .showFinished(let name, let status, let detail): progress?.jobFinished(name, status: status, detail: detail)
        }
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
