// The coordinator's bookkeeping without processes: every event of a job's life, and how a worker's
// exit ends it, as the writes the coordinator performs.

import Foundation
import RunLog
import Runner
import Testing
import Vocabulary

private let job = PlannedJob(id: 7, name: "HA-GAN run 0 fold 1", arguments: [])
private let id = JobID(7)

@Test func aJobsLinesBecomeRunLogWritesInOrder() {
    var state = CoordinatorState([job])
    state.launched(id, now: 10)
    let machine = MachineNumerics(mode: .portable, version: 1, blasCore: "Haswell", kernelLevel: "avx2", widestISA: "avx2",
                                  cpuVendor: "GenuineIntel", cpuName: "Intel Xeon", cpuFamily: 6, cpuModel: 85, host: "n1")
    let prediction = Prediction(sampleIndex: 0, sampleID: "a.png", subject: "S1", trueLabel: 2, predictedLabel: 2, probabilities: [0, 0, 1])
    var writes: [CoordinatorWrite] = []
    for message: WorkerMessage in [.started(resumedFromEpoch: 2, epochs: 3), .machine(machine), .epoch(epoch: 3, metrics: ["loss.g": 1]),
                                   .artifact(kind: .checkpoint, path: "c.ckpt", epoch: 3), .predictions([prediction]), .completed] {
        writes += state.apply(.message(job: "7", message), stopping: false, now: 11)
    }
    #expect(writes == [
        .recordStart(id, resumedFromEpoch: 2), .showStarted(name: job.name, resumedFromEpoch: 2, epochs: 3),
        .recordAttempt(id, resumedFromEpoch: 2, machine),
        .recordEpoch(id, epoch: 3, metrics: ["loss.g": 1]), .showEpoch(name: job.name, epoch: 3, metrics: ["loss.g": 1]),
        .recordArtifact(id, kind: .checkpoint, path: "c.ckpt", epoch: 3),
        .finish(id, .completed, error: nil, predictions: [prediction]), .showFinished(name: job.name, status: .completed, detail: nil),
    ])
    // The exit after the final line only ends the worker's time; the job is written once.
    #expect(state.apply(.exited(job: "7", status: 0, stderrTail: "", verdict: nil), stopping: false, now: 14).isEmpty)
    #expect(state.active.isEmpty && state.summary.workerSeconds == 4 && state.summary.counts == [.completed: 1])
    // Lines of jobs this run does not know, or that are no job id, change nothing.
    #expect(state.apply(.message(job: "8", .completed), stopping: false, now: 15).isEmpty)
    #expect(state.apply(.message(job: "x", .completed), stopping: false, now: 15).isEmpty)
}

@Test func predictionsAreKeptOnlyForACompletedJob() {
    var state = CoordinatorState([job])
    let prediction = Prediction(sampleIndex: 0, sampleID: "a", subject: "S", trueLabel: 0, predictedLabel: 1, probabilities: [0.4, 0.6])
    _ = state.apply(.message(job: "7", .predictions([prediction])), stopping: false, now: 0)
    let writes = state.apply(.message(job: "7", .diverged(epoch: 2, step: 5, detail: "loss 'loss.d' is nan")), stopping: false, now: 0)
    #expect(writes.first == .finish(id, .diverged, error: "diverged at epoch 2, step 5: loss 'loss.d' is nan", predictions: []))
}

@Test(arguments: [
    // (status, stderr, verdict, stopped after epoch, worker's failure, Ctrl-C) -> how the job ends
    (Int32(0), "", nil as ExecutorVerdict?, 3 as Int?, nil as String?, false, JobStatus.interrupted, "interrupted after epoch 3"),
    (1, "oops", ExecutorVerdict(status: .failed, reason: "time limit"), nil, "no memory", false, .failed,
     "time limit\nno memory\nlast lines of its stderr:\noops"),
    (130, "", nil, nil, nil, true, .interrupted, "interrupted"),
    (137, "", nil, nil, nil, false, .interrupted, "the worker was killed by signal 9; run the same command again to resume"),
    (139, "segfault", nil, nil, nil, false, .failed, "worker exited with status 139 before finishing\nlast lines of its stderr:\nsegfault"),
    (137, "", nil, nil, "bad file", false, .failed, "bad file"),
    (130, "", nil, nil, nil, false, .interrupted, "the worker was killed by signal 2; run the same command again to resume"),
])
func anExitEndsTheJobAsItsCauseSays(status: Int32, stderr: String, verdict: ExecutorVerdict?, stoppedAfter: Int?, failure: String?,
                                    stopping: Bool, expected: JobStatus, error: String) {
    let decision = CoordinatorState.exitDecision(status: status, stderrTail: stderr, verdict: verdict, interruptedAfter: stoppedAfter,
                                                 failure: failure, stopping: stopping)
    #expect(decision.status == expected && decision.error == error)
    // Through the state: the worker's lines first, then its exit.
    var state = CoordinatorState([job])
    state.launched(id, now: 0)
    if let stoppedAfter { _ = state.apply(.message(job: "7", .interrupted(epoch: stoppedAfter)), stopping: stopping, now: 0) }
    if let failure { _ = state.apply(.message(job: "7", .failed(message: failure)), stopping: stopping, now: 0) }
    let writes = state.apply(.exited(job: "7", status: status, stderrTail: stderr, verdict: verdict), stopping: stopping, now: 1)
    #expect(writes == [.finish(id, expected, error: error, predictions: []), .showFinished(name: job.name, status: expected, detail: error)])
    #expect(state.summary.counts == [expected: 1] && state.active.isEmpty)
}

@Test func executionsAndNoticesPassThrough() {
    var state = CoordinatorState([job])
    let execution = ExecutionRecord(executor: "slurm", submission: "s1", arrayJobID: 12, arrayIndex: 3, node: "n7", requeues: 1,
                                    state: "RUNNING", reason: nil, exitCode: nil)
    #expect(state.apply(.execution(job: "7", execution), stopping: false, now: 0)
            == [.recordExecution(id, execution), .showExecution(name: job.name, execution)])
    #expect(state.apply(.notice("submitted"), stopping: false, now: 0) == [.showNotice("submitted")])
    #expect(JobID("12") == JobID(12) && JobID("twelve") == nil && JobID(3) < JobID(12))
}
