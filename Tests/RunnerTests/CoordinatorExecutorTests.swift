// The coordinator with a scripted executor: jobs an earlier run left running are adopted rather
// than started again (their attempts unchanged), an executor's verdict decides how a job ends
// (with its reason in the error), executions are recorded before anything else, and a detached
// run returns once its jobs are launched, leaving them running.

import Foundation
import RunLog
import Runner
import Testing

/// An executor that adopts the jobs it is told to and then replays `script`.
final class ScriptedExecutor: Executor {
    let capacity = Int.max
    var adoptable: Set<String> = []
    var launched: [String] = []
    var script: [WorkerEvent] = []

    func adopt(_ executions: [String: ExecutionRecord]) throws -> Set<String> { adoptable.intersection(executions.keys) }
    func launch(job: String, arguments: [String], environment: [String: String]) throws -> ExecutionRecord {
        launched.append(job)
        return ExecutionRecord(executor: "slurm", submission: "exp-s-1", arrayIndex: launched.count - 1, state: "SUBMITTING")
    }
    func nextEvent(timeout: Double) -> WorkerEvent? { script.isEmpty ? nil : script.removeFirst() }
    func interruptAll() {}
}

@Test func adoptedJobsAreWatchedNotStartedAgainAndVerdictsDecide() throws {
    let log = MemoryLog()
    log.statuses = [1: (.running, 1), 2: (.running, 1), 3: (.pending, 0)]
    log.executions[1] = ExecutionRecord(executor: "slurm", submission: "exp-old-1", arrayJobID: 9, arrayIndex: 0, state: "RUNNING")
    let executor = ScriptedExecutor()
    executor.adoptable = ["1"]
    executor.script = [
        .message(job: "1", .started(resumedFromEpoch: 1, epochs: 2)), .message(job: "1", .epoch(epoch: 2, metrics: ["loss": 1])),
        .message(job: "1", .completed), .exited(job: "1", status: 0, stderrTail: "", verdict: nil),
        .execution(job: "2", ExecutionRecord(executor: "slurm", submission: "exp-s-1", arrayJobID: 12, arrayIndex: 0, state: "TIMEOUT")),
        .exited(job: "2", status: 143, stderrTail: "Terminated", verdict: ExecutorVerdict(status: .failed, reason: "time limit")),
        .exited(job: "3", status: 143, stderrTail: "", verdict: ExecutorVerdict(status: .interrupted, reason: "cancelled")),
    ]
    let jobs = (1...3).map { PlannedJob(id: Int64($0), name: "job \($0)", arguments: []) }
    let summary = try Coordinator(log: log, executor: executor, options: CoordinatorOptions(), progress: nil).run(jobs)
    // Job 1's task still ran: watched, not submitted again, its attempt count unchanged. Job 2
    // was left running with no execution of another executor: not running any more, so started again.
    #expect(executor.launched == ["2", "3"])
    #expect(summary.attached == 1 && summary.counts == [.completed: 1, .failed: 1, .interrupted: 1])
    #expect(log.statuses[1]! == (.completed, 1) && log.epochs[1]![2] == ["loss": 1])
    #expect(log.statuses[2]! == (.failed, 2) && log.errors[2] == "time limit\nlast lines of its stderr:\nTerminated")
    #expect(log.statuses[3]!.0 == .interrupted && log.errors[3] == "cancelled")
    #expect(log.executions[2]?.state == "TIMEOUT" && log.executions[3]?.state == "SUBMITTING")
}

@Test func aDetachedRunReturnsOnceItsJobsAreSubmitted() throws {
    let log = MemoryLog()
    let executor = ScriptedExecutor()
    executor.script = [.execution(job: "1", ExecutionRecord(executor: "slurm", submission: "exp-s-1", arrayJobID: 5, arrayIndex: 0, state: "PENDING")),
                       .execution(job: "2", ExecutionRecord(executor: "slurm", submission: "exp-s-1", arrayJobID: 5, arrayIndex: 1, state: "PENDING"))]
    let jobs = (1...2).map { PlannedJob(id: Int64($0), name: "job \($0)", arguments: []) }
    let summary = try Coordinator(log: log, executor: executor, options: CoordinatorOptions(detach: true), progress: nil).run(jobs)
    #expect(summary.detached == 2 && summary.counts.isEmpty && !summary.allCompleted)
    #expect(log.statuses[1]!.0 == .running && log.executions[2]?.arrayJobID == 5 && executor.script.isEmpty)
}
