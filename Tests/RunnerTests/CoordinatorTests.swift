// The coordinator with fake workers (shell scripts printing protocol lines) and an in-memory log.

import Foundation
import RunLog
import Runner
import Testing

/// Jobs are named by their ids in these tests: 1 "good", 2 "crash", 3 "nan", ...
final class MemoryLog: RunLogWriter {
    var statuses: [Int64: (JobStatus, Int)] = [:]
    var epochs: [Int64: [Int: [String: Double]]] = [:]
    var errors: [Int64: String] = [:]
    var predictions: [Int64: [Prediction]] = [:]
    var artifacts: [Int64: [String]] = [:]
    var executions: [Int64: ExecutionRecord] = [:]

    func status(of job: Int64) throws -> (status: JobStatus, attempts: Int) { statuses[job] ?? (.pending, 0) }
    func markRunning(_ job: Int64) throws { statuses[job] = (.running, (statuses[job]?.1 ?? 0) + 1) }
    func recordStart(_ job: Int64, resumedFromEpoch: Int) throws {
        epochs[job] = (epochs[job] ?? [:]).filter { $0.key <= resumedFromEpoch }
    }
    func recordEpoch(_ job: Int64, epoch: Int, metrics: [String: Double]) throws { epochs[job, default: [:]][epoch] = metrics }
    func recordArtifact(_ job: Int64, kind: String, path: String, epoch: Int) throws { artifacts[job, default: []].append(path) }
    func finish(_ job: Int64, status: JobStatus, error: String?, predictions: [Prediction]) throws {
        statuses[job] = (status, statuses[job]?.1 ?? 0)
        errors[job] = error
        self.predictions[job] = predictions
    }
    func executions(of jobs: [Int64]) throws -> [Int64: ExecutionRecord] { executions.filter { jobs.contains($0.key) } }
    func recordExecution(_ job: Int64, _ execution: ExecutionRecord) throws { executions[job] = execution }
}

private func script(_ lines: [WorkerMessage], then tail: String = "exit 0") -> [String] {
    let body = lines.map { "printf '%s' '\($0.line())'" }.joined(separator: "; ")
    return ["-c", body + "; " + tail]
}

@Test func coordinatorRecordsEveryOutcome() throws {
    let log = MemoryLog()
    let sh = URL(fileURLWithPath: "/bin/sh")
    let prediction = Prediction(sampleIndex: 0, sampleID: "a.png", subject: "S1", trueLabel: 1, predictedLabel: 1, probabilities: [0.1, 0.9])
    let jobs = [
        PlannedJob(id: 1, name: "good", arguments: script([.started(resumedFromEpoch: 0, epochs: 2), .epoch(epoch: 1, metrics: ["loss": 1]),
                                                   .epoch(epoch: 2, metrics: ["loss": .nan]), .predictions([prediction]), .completed])),
        PlannedJob(id: 2, name: "crash", arguments: script([.started(resumedFromEpoch: 0, epochs: 2)], then: "echo 'Fatal error: boom' >&2; exit 134")),
        PlannedJob(id: 3, name: "nan", arguments: script([.started(resumedFromEpoch: 0, epochs: 2), .diverged(epoch: 1, step: 7, detail: "loss.d is nan")], then: "exit 3")),
    ]
    let summary = try Coordinator(log: log, executor: WorkerPool(executable: sh, capacity: 2), options: CoordinatorOptions(), progress: nil).run(jobs)
    #expect(summary.counts == [.completed: 1, .failed: 1, .diverged: 1])
    // Timing: three workers, at most two at once, each between launch and exit.
    #expect(summary.wallSeconds > 0 && summary.workerSeconds > 0)
    #expect(summary.workerSeconds <= 2 * summary.wallSeconds + 0.01)
    #expect(summary.coordinatorCPUSeconds >= 0 && summary.coordinatorCPUSeconds.isFinite)
    #expect(log.statuses[1]! == (.completed, 1))
    #expect(log.epochs[1]![2]!["loss"]!.isNaN)
    #expect(log.predictions[1] == [prediction])
    #expect(log.statuses[2]!.0 == .failed)
    #expect(log.errors[2]!.contains("status 134") && log.errors[2]!.contains("Fatal error: boom"))
    #expect(log.statuses[3]!.0 == .diverged && log.errors[3]!.contains("epoch 1, step 7"))

    // A second run skips the completed job and, unless told to retry, the failed and diverged ones.
    let again = try Coordinator(log: log, executor: WorkerPool(executable: sh, capacity: 2), options: CoordinatorOptions(), progress: nil).run(jobs)
    #expect(again.skipped == 3 && again.counts.isEmpty)
    // ... and does not call that a success: two jobs are still failed or diverged.
    #expect(again.skippedUnfinished == 2 && !again.allCompleted)
    let retry = try Coordinator(log: log, executor: WorkerPool(executable: sh, capacity: 1), options: CoordinatorOptions(retryFailed: true), progress: nil).run(jobs)
    #expect(retry.skipped == 1 && retry.counts == [.failed: 1, .diverged: 1])
    #expect(log.statuses[2]!.1 == 2)
}

@Test func resumedJobsDropMetricsAfterTheirCheckpoint() throws {
    let log = MemoryLog()
    log.statuses[4] = (.interrupted, 1)
    log.epochs[4] = [1: ["loss": 3], 2: ["loss": 2], 3: ["loss": 1.5]]
    let sh = URL(fileURLWithPath: "/bin/sh")
    let job = PlannedJob(id: 4, name: "j", arguments: script([.started(resumedFromEpoch: 2, epochs: 3), .epoch(epoch: 3, metrics: ["loss": 1]), .completed]))
    _ = try Coordinator(log: log, executor: WorkerPool(executable: sh), options: CoordinatorOptions(), progress: nil).run([job])
    #expect(log.epochs[4]!.mapValues { $0["loss"]! } == [1: 3, 2: 2, 3: 1])
    #expect(log.statuses[4]! == (.completed, 2))
}

@Test func stopRequestInterruptsWorkers() throws {
    let log = MemoryLog()
    let sh = URL(fileURLWithPath: "/bin/sh")
    // The fake worker reports an interruption when it receives SIGINT, as real workers do.
    let started = WorkerMessage.started(resumedFromEpoch: 0, epochs: 9).line()
    let stopped = WorkerMessage.interrupted(epoch: 4).line()
    let body = "stop() { printf '%s' '\(stopped)'; exit 130; }; trap stop INT; printf '%s' '\(started)'; while true; do sleep 0.05; done"
    let jobs = [PlannedJob(id: 5, name: "long", arguments: ["-c", body]), PlannedJob(id: 6, name: "later", arguments: ["-c", "exit 0"])]
    let coordinator = Coordinator(log: log, executor: WorkerPool(executable: sh, capacity: 1), options: CoordinatorOptions(), progress: nil)
    DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { coordinator.requestStop() }
    let summary = try coordinator.run(jobs)
    #expect(summary.interrupted)
    #expect(log.statuses[5]!.0 == .interrupted && log.errors[5]!.contains("epoch 4"))
    #expect(log.statuses[6] == nil)
    #expect(summary.counts == [.interrupted: 1, .pending: 1])
}

@Test func plainProgressLinesNameJobsAndMetrics() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("exp-progress-\(UUID().uuidString)").path
    FileManager.default.createFile(atPath: path, contents: nil)
    let handle = FileHandle(forWritingAtPath: path)!
    let view = ProgressView(live: false, output: handle)
    view.runStarting(jobs: 2, attached: 0, skipped: 1)
    view.jobStarted("HA-GAN run 0 fold 1", resumedFromEpoch: 2, epochs: 5)
    view.jobEpoch("HA-GAN run 0 fold 1", epoch: 3, metrics: ["loss.d": 0.5, "accuracy.test": 0.75, "other": 1])
    view.jobFinished("HA-GAN run 0 fold 1", status: .completed, detail: nil)
    try handle.close()
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 4)
    #expect(lines[0] == "2 job(s) to run, 1 already finished")
    #expect(lines[1].contains("resumed after epoch 2 of 5"))
    #expect(lines[2].contains("3/5") && lines[2].contains("loss.d 0.5000") && lines[2].contains("accuracy.test 0.750") && !lines[2].contains("other"))
    #expect(lines[3] == "completed   HA-GAN run 0 fold 1 [1/2 done]")
    #expect(formatDuration(3725) == "1h02m" && formatDuration(185) == "3m05s" && formatDuration(42) == "42s")
}

/// With more than 100 jobs running, the plain output counts epochs on one line now and then
/// instead of a line per epoch; with fewer, each epoch has its line.
@Test func plainProgressCountsEpochsOfManyJobs() throws {
    func lines(jobs: Int, interval: TimeInterval) throws -> [Substring] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("exp-progress-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = FileHandle(forWritingAtPath: path)!
        let view = ProgressView(live: false, output: handle)
        view.epochSummaryInterval = interval
        view.runStarting(jobs: jobs, attached: 0, skipped: 0)
        for j in 0..<jobs { view.jobStarted("job \(j)", resumedFromEpoch: 0, epochs: 3) }
        for j in 0..<jobs { view.jobEpoch("job \(j)", epoch: 1, metrics: ["loss.d": 0.5]) }
        try handle.close()
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { $0.hasPrefix("epoch") }
    }
    #expect(try lines(jobs: 100, interval: 3600).count == 100)
    #expect(try lines(jobs: 150, interval: 3600).isEmpty)
    let counted = try lines(jobs: 150, interval: 0)
    #expect(counted.count == 150)
    #expect(counted.first == "epochs      1 epoch(s) finished by 150 running jobs since the last line; 0/150 jobs done")
}

/// A worker killed from outside (a user, the out-of-memory killer) leaves its job interrupted,
/// for a plain rerun to resume; a worker that crashes leaves it failed.
@Test func killedWorkersAreInterruptedAndCrashedOnesFailed() throws {
    let log = MemoryLog()
    let sh = URL(fileURLWithPath: "/bin/sh")
    let jobs = [
        PlannedJob(id: 5, name: "killed", arguments: script([.started(resumedFromEpoch: 0, epochs: 2), .epoch(epoch: 1, metrics: ["loss": 1])],
                                                       then: "kill -KILL $$")),
        PlannedJob(id: 7, name: "segfault", arguments: script([.started(resumedFromEpoch: 0, epochs: 2)], then: "kill -SEGV $$")),
    ]
    let summary = try Coordinator(log: log, executor: WorkerPool(executable: sh, capacity: 2), options: CoordinatorOptions(), progress: nil).run(jobs)
    #expect(summary.counts == [.interrupted: 1, .failed: 1])
    #expect(log.statuses[5]!.0 == .interrupted && log.errors[5]!.contains("killed by signal 9"))
    #expect(log.statuses[7]!.0 == .failed && log.errors[7]!.contains("status 139"))
    // A plain rerun starts the interrupted job again, not the failed one.
    let again = try Coordinator(log: log, executor: WorkerPool(executable: sh, capacity: 2), options: CoordinatorOptions(), progress: nil).run(jobs)
    #expect(again.counts == [.interrupted: 1] && again.skippedUnfinished == 1)
}
