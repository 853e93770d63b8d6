// `exp status`: the time an experiment has left (`ExperimentETA`), accuracies in percent, and
// `--watch`, which shows the run as it goes and ends by itself when every job has.

import Foundation
import RunLog
import Runner
import Testing

private func job(_ id: Int64, _ model: String, _ status: JobStatus, done: Int, planned: Int = 10) -> JobRecord {
    JobRecord(id: id, experimentID: 1, modelName: model, modelKind: model == "A" ? "cnn" : "hagan", run: 0, fold: Int(id), seed: 1,
              status: status, attempts: 1, epochsPlanned: planned, epochsDone: done, startedAt: nil, finishedAt: nil, error: nil)
}

@Test func theTimeLeftIsTheEpochsLeftAtEachModelsMedianEpochSharedByTheRunningJobs() {
    let intervals = [2.0, 4.0, 100.0].map { RunStore.EpochInterval(experimentID: 1, modelName: "A", seconds: $0) }
        + [10.0].map { RunStore.EpochInterval(experimentID: 1, modelName: "B", seconds: $0) }
    let jobs = [job(1, "A", .completed, done: 10), job(2, "A", .running, done: 4), job(3, "B", .running, done: 8), job(4, "B", .pending, done: 0)]
    let eta = ExperimentETA.estimate(jobs: jobs, intervals: intervals)
    // A: 6 epochs at 4 s; B: 2 + 10 epochs at 10 s; two jobs running.
    #expect(eta.epochsLeft == 18 && eta.running == 2)
    #expect(eta.seconds == (6 * 4.0 + 12 * 10.0) / 2)
    #expect(eta.epochSeconds == ["A": 4, "B": 10])
    // A model without a measured epoch: no time.
    #expect(ExperimentETA.estimate(jobs: jobs, intervals: Array(intervals.prefix(3))).seconds == nil)
    #expect(ExperimentETA.estimate(jobs: [job(1, "A", .completed, done: 10)], intervals: intervals).epochsLeft == 0)
}

@Test func statusWatchFollowsARunUntilItEndsWithAccuraciesInPercent() throws {
    let folder = temporaryFolder("status-watch")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = try tinySpec(in: folder, epochs: 6)
    let results = (folder as NSString).appendingPathComponent("results")
    let run = try runExp(["run", spec, "--results", results, "--jobs", "2"])
    let deadline = Date().addingTimeInterval(120)
    while !FileManager.default.fileExists(atPath: ResultsLayout(root: results).database) && Date() < deadline {
        Thread.sleep(forTimeInterval: 0.05)
    }
    let watch = try runCapturing(expExecutable, ["status", "--results", results, "--watch", "--interval", "0.5"], timeout: 300)
    #expect(wait(run, seconds: 300) && run.terminationStatus == 0)
    // It ended by itself once every job had, after showing the run more than once.
    #expect(watch.normal && watch.status == 0, "\(watch.err)")
    let views = watch.out.components(separatedBy: "--- ").count - 1
    #expect(views >= 2, "\(watch.out.suffix(2000))")
    #expect(watch.out.contains("left: "), "no time left was shown")
    #expect(watch.out.range(of: #"\d+\.\d\d%"#, options: .regularExpression) != nil, "no accuracy in percent")
    #expect(watch.out.hasSuffix("\n") && watch.out.components(separatedBy: "--- ").last?.contains("4 completed") == true)
}
