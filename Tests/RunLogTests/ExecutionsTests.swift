// The `executions` table (v3): an upsert per job that keeps only the latest execution, read back
// field for field; and jobs handed to Slurm survive the stale-job sweep of a new coordinator
// while local ones are interrupted.

import Foundation
import GRDB
import RunLog
import TestSupport
import Testing

@Test func executionsAreUpsertedPerJobAndReadBack() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, _) = try openStore(in: folder)
    let (experimentID, jobs) = try registerMinimal(store)
    #expect(try store.execution(jobID: jobs[0].id) == nil)
    try store.recordExecution(jobID: jobs[0].id, ExecutionRecord(executor: "slurm", submission: "exp-abc-1", arrayIndex: 0, state: "SUBMITTING"))
    let running = ExecutionRecord(executor: "slurm", submission: "exp-abc-1", arrayJobID: 12, arrayIndex: 0, node: "n1", requeues: 2,
                                  state: "TIMEOUT", reason: "TimeLimit", exitCode: "0:15")
    try store.recordExecution(jobID: jobs[0].id, running)
    try store.recordExecution(jobID: jobs[1].id, ExecutionRecord(executor: "local", node: "host"))
    let stored = try store.executions(experimentID: experimentID)
    #expect(stored.count == 2)
    var read = try #require(stored[jobs[0].id])
    #expect(read.updatedAt?.hasSuffix("Z") == true)
    read.updatedAt = nil
    #expect(read == running)
    #expect(stored[jobs[1].id]?.executor == "local" && stored[jobs[1].id]?.arrayJobID == nil && stored[jobs[1].id]?.requeues == 0)
    #expect(try store.query("SELECT COUNT(*) AS n FROM executions").first?["n"] == 2.databaseValue)
}

@Test func jobsHandedToSlurmSurviveTheStaleJobSweep() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, _) = try openStore(in: folder)
    let (experimentID, jobs) = try registerMinimal(store)
    for job in jobs.prefix(3) { try store.transition(jobID: job.id, to: .running) }
    try store.recordExecution(jobID: jobs[0].id, ExecutionRecord(executor: "slurm", submission: "exp-abc-1", arrayJobID: 7, arrayIndex: 0, state: "RUNNING"))
    try store.recordExecution(jobID: jobs[1].id, ExecutionRecord(executor: "local", node: "host"))
    // jobs[2] has no execution: its coordinator died before recording one.
    #expect(try store.interruptStaleJobs(experimentID: experimentID) == 2)
    #expect(try store.job(id: jobs[0].id).status == .running)
    #expect(try store.job(id: jobs[1].id).status == .interrupted && store.job(id: jobs[2].id).status == .interrupted)
}

@Test func anExecutionReplacedByANewSubmissionStaysInTheHistory() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, _) = try openStore(in: folder)
    let (_, jobs) = try registerMinimal(store)
    let job = jobs[0].id
    // One attempt: submitted, given its array id, running, cancelled. None of that is a new attempt.
    try store.recordExecution(jobID: job, ExecutionRecord(executor: "slurm", submission: "exp-abc-1", arrayIndex: 3, state: "SUBMITTING"))
    try store.recordExecution(jobID: job, ExecutionRecord(executor: "slurm", submission: "exp-abc-1", arrayJobID: 40, arrayIndex: 3, state: "PENDING"))
    try store.recordExecution(jobID: job, ExecutionRecord(executor: "slurm", submission: "exp-abc-1", arrayJobID: 40, arrayIndex: 3, node: "n1",
                                                          state: "RUNNING"))
    try store.recordExecution(jobID: job, ExecutionRecord(executor: "slurm", submission: "exp-abc-1", arrayJobID: 40, arrayIndex: 3, node: "n1",
                                                          state: "CANCELLED", exitCode: "0:15"))
    #expect(try store.query("SELECT COUNT(*) AS n FROM execution_history").first?["n"] == 0.databaseValue)
    // The rerun's submission replaces the row; the cancelled attempt moves to the history.
    try store.recordExecution(jobID: job, ExecutionRecord(executor: "slurm", submission: "exp-abc-2", arrayIndex: 0, state: "SUBMITTING"))
    let history = try store.query("SELECT submission, array_job_id, state, exit_code FROM execution_history WHERE job_id = ?", arguments: [job])
    #expect(history.count == 1)
    #expect(history.first?["submission"] == "exp-abc-1".databaseValue && history.first?["state"] == "CANCELLED".databaseValue)
    #expect(history.first?["array_job_id"] == 40.databaseValue && history.first?["exit_code"] == "0:15".databaseValue)
    #expect(try store.execution(jobID: job)?.submission == "exp-abc-2")
}
