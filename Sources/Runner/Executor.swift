// What the coordinator needs from whatever runs its workers: start a job's worker, report the
// worker's messages and its end as one ordered stream of events, and stop them all. Two executors
// implement it: `WorkerPool` (worker processes on this host, messages on their stdout) and
// `SlurmExecutor` (Slurm array tasks, messages in a file per job in the results folder). The
// message protocol (`WorkerMessage`) is the same for both; only its transport differs.

import Foundation
import RunLog

public enum WorkerEvent: Sendable {
    case message(job: String, WorkerMessage)
    /// Where and how the job runs now (launched, queued, started on a node, requeued, ended), for
    /// the run log's `executions` table.
    case execution(job: String, ExecutionRecord)
    /// The worker ended; `status` is its exit code (or 128 + signal), `stderrTail` its last lines
    /// of stderr. `verdict` is set when the executor itself ended the job or lost sight of it (a
    /// time limit, a cancelled task, a task that left the queue unseen), and says how it ends.
    case exited(job: String, status: Int32, stderrTail: String, verdict: ExecutorVerdict?)
    /// Something the person running `exp run` should know (a submission, a queue that does not answer).
    case notice(String)
}

/// How a job ends when its executor decided it rather than its worker: `failed` for limits the
/// job ran into (time, memory: raise them and rerun with --retry-failed), `interrupted` for
/// outside causes (cancelled, node failure, preemption: a plain rerun resumes it).
public struct ExecutorVerdict: Sendable, Equatable {
    public var status: JobStatus
    public var reason: String
    public init(status: JobStatus, reason: String) {
        self.status = status
        self.reason = reason
    }
}

public protocol Executor: AnyObject {
    /// How many launched jobs may be unfinished at once (the coordinator launches no more).
    var capacity: Int { get }

    /// Takes over the jobs an earlier `exp run` left running with these executions (keyed by job):
    /// returns the jobs it now watches, whose messages and ends then come as events, as for jobs
    /// it launched. Jobs it does not take are not running any more. Throws when it cannot watch a
    /// job that may still run (another executor's live task).
    func adopt(_ executions: [String: ExecutionRecord]) throws -> Set<String>

    /// Starts (or queues for submission) the worker of `job`; returns the execution to record
    /// before anything else about the job happens.
    func launch(job: String, arguments: [String], environment: [String: String]) throws -> ExecutionRecord

    /// The next event, or nil after `timeout` seconds without one.
    func nextEvent(timeout: Double) -> WorkerEvent?

    /// Asks every worker to checkpoint and stop (SIGINT); jobs not started yet are not started.
    func interruptAll()

    /// The final state of executions that the run log left unsettled although their jobs ended
    /// (a coordinator killed between a task's last line and its executor's end of it), for those
    /// the executor can still tell; keyed by job.
    func settle(_ executions: [String: ExecutionRecord]) -> [String: ExecutionRecord]
}

extension Executor {
    public func settle(_ executions: [String: ExecutionRecord]) -> [String: ExecutionRecord] { [:] }
}

public enum ExecutorError: Error, CustomStringConvertible {
    /// Jobs the run log says are running as tasks of another executor, which this one cannot watch.
    case liveElsewhere([String: ExecutionRecord])

    public var description: String {
        switch self {
        case .liveElsewhere(let executions):
            let executors = Set(executions.values.map(\.executor)).sorted().joined(separator: ", ")
            let tasks = executions.sorted { $0.key < $1.key }.prefix(5).map { job, e in
                "job \(job)" + (e.arrayJobID.map { " (array task \($0)_\(e.arrayIndex.map(String.init) ?? "?"))" } ?? "")
            }
            return "\(executions.count) job(s) of this experiment were handed to \(executors) and may still be running there "
                + "(\(tasks.joined(separator: ", "))\(executions.count > 5 ? ", ..." : "")): run the same command with --executor "
                + "\(executors) to attach to them (it ingests what they wrote and submits nothing twice)"
        }
    }
}

/// The host name, as executions record it for local workers.
func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    gethostname(&buffer, buffer.count)
    return String(cString: buffer)
}
