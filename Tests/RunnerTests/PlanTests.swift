// `exp plan` and the plan `exp run` prints first: its figures against a measured run (generous
// bounds; `exp bench plan` prints the errors), measured epochs replacing the calibration, the
// published counts of the paper's data sets, the preflight refusals, and Slurm's time formats.

import Foundation
import RunLog
import Runner
import Spec
import Testing
import TestSupport

private func output(_ arguments: [String], environment: [String: String] = [:]) throws -> CapturedRun {
    try runCapturing(expExecutable, arguments, environment: environment)
}

@Test func planPrintsTimeMemoryAndDiskOfEveryModelFromACalibration() throws {
    let folder = temporaryFolder("plan")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = try tinySpec(in: folder, epochs: 4, sampleEvery: 2)
    let results = (folder as NSString).appendingPathComponent("results")
    let run = try output(["plan", spec, "--results", results, "--jobs", "2"])
    #expect(run.status == 0, "\(run.err)")
    let lines = run.out.split(separator: "\n").map(String.init)
    #expect(lines.first?.hasPrefix("data: ") == true)
    #expect(lines.contains { $0.contains("CNN(baseline)") && $0.contains("calibrated") })
    #expect(lines.contains { $0.contains("HA-GAN") && $0.contains("calibrated") })
    #expect(lines.contains { $0.hasPrefix("time: about ") && $0.contains("core-hours") })
    #expect(lines.contains { $0.hasPrefix("memory: about ") })
    #expect(lines.contains { $0.hasPrefix("disk: this run adds about ") && $0.contains("checkpoints") })
    // exp plan writes nothing.
    #expect(!FileManager.default.fileExists(atPath: results))
}

@Test func planEstimatesAreWithinGenerousBoundsOfAMeasuredRunAndMeasuredEpochsReplaceTheCalibration() throws {
    let folder = temporaryFolder("plan-measured")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = try tinySpec(in: folder, epochs: 6, sampleEvery: 2)
    let results = (folder as NSString).appendingPathComponent("results")
    var request = PlanRequest(specs: [try SpecLoader.load(path: spec)], results: results)
    request.parallel = 2
    let plan = try Planner.plan(request) { loaded, model, copies in
        try Calibration.measure(spec: loaded, model: model.name, threads: 1, executable: expExecutable, copies: copies)
    }
    let run = try output(["run", spec, "--results", results, "--jobs", "2"])
    #expect(run.status == 0, "\(run.err)")
    // "time: 12.2 s in all: 2.2 s of set-up (...), 9.9 s with workers running (...)"
    let timeLine = run.out.split(separator: "\n").first { $0.hasPrefix("time: ") }.map(String.init) ?? ""
    let measured = timeLine.components(separatedBy: " s with workers running").first?.split(separator: " ").last.flatMap { Double($0) }
    let wall = try #require(measured, "no time line in \(run.out)")
    #expect(plan.wallSeconds > wall / 3 && plan.wallSeconds < wall * 3, "planned \(plan.wallSeconds) s, measured \(wall) s")
    let written = resultFiles(results).filter { !$0.key.hasPrefix("experiments/") }.values.reduce(0) { $0 + $1.count }
        + ((try? FileManager.default.attributesOfItem(atPath: ResultsLayout(root: results).database)[.size]) as? Int ?? 0)
    #expect(Double(plan.diskAtEnd) > Double(written) / 2 && Double(plan.diskAtEnd) < Double(written) * 2,
            "planned \(plan.diskAtEnd) bytes, written \(written)")

    // The same spec again: nothing to run. Longer jobs of the same models: measured epochs.
    let again = try output(["plan", spec, "--results", results])
    #expect(again.out.contains("nothing to run"))
    let longer = try output(["plan", spec, "--results", results, "--set", "models[0].epochs=10", "--set", "models[1].epochs=10"])
    #expect(longer.out.split(separator: "\n").filter { $0.contains("measured: median of") }.count == 2, "\(longer.out)")
}

@Test func planCountsThePaperDataSetsFromTheirPublishedSizesWhenTheDataIsNotHere() throws {
    let run = try output(["plan", repositoryRoot() + "/experiments/mmi.json", "--results", temporaryFolder("plan-mmi"),
                          "--set", "models[0].batchSize=8", "--set", "models[1].batchSize=8"])
    #expect(run.status == 0, "\(run.err)")
    // 208 sequences x 3 frames; 10 folds: 562 training and 62 test images per job.
    #expect(run.out.contains("data: 624 images (published count: 208 MMI sequences x 3 frame(s)"))
    #expect(run.out.contains("per job 562 training, 62 test images"))
    // 110 variants per training image in batches of 8.
    #expect(run.out.contains("7728"))
}

@Test func aRunTheDiskCannotHoldIsRefusedWithFiguresBeforeAnythingIsWritten() throws {
    let folder = temporaryFolder("plan-refused")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = try tinySpec(in: folder)
    let results = (folder as NSString).appendingPathComponent("results")
    let flag = (folder as NSString).appendingPathComponent("full")
    _ = FileManager.default.createFile(atPath: flag, contents: nil)
    let run = try output(["run", spec, "--results", results], environment: [DiskSpace.faultVariable: flag])
    #expect(run.status != 0)
    #expect(run.err.contains("not enough free disk for this run: it needs about"), "\(run.err)")
    #expect(run.err.contains("--force"))
    #expect(!FileManager.default.fileExists(atPath: results), "a refused run left its results folder")
}

@Test func thePreflightRefusesMoreJobsAtOnceThanTheMemoryHolds() {
    var plan = RunPlan(parallel: 8, threadsPerJob: 1, slurm: false, cores: 8, machineMemory: 4_000_000_000, folder: "/r", freeBytes: nil)
    plan.models = [RunPlan.ModelPlan(
        experiment: "e", name: "HA-GAN", kind: .hagan, jobs: 20, jobsTotal: 20, epochsPerJob: 10, epochsToRun: 200, batchesPerEpoch: 5,
        secondsPerEpoch: Estimate(value: 2, source: "test"), peakMemory: Estimate(value: 1_000_000_000, source: "test"),
        checkpointBytes: 1000, sampleGridsPerJob: 0, sampleGridBytes: 0, remainingEpochs: Array(repeating: 10, count: 20))]
    guard case .memoryTooSmall(let jobs, _, _)? = plan.refusal else {
        Issue.record("no memory refusal: \(String(describing: plan.refusal))")
        return
    }
    #expect(jobs == 8)
    #expect(plan.refusal.map { "\($0)" }?.contains("run with --jobs 4") == true)
    plan.parallel = 4
    #expect(plan.refusal == nil)
    // 20 jobs of 20 s on 4 slots: 100 s; 200 epochs of 2 s: 0.111 core-hours.
    #expect(plan.wallSeconds == 100)
    #expect(abs(plan.coreHours - 400.0 / 3600) < 1e-12)
    plan.freeBytes = 10
    guard case .diskTooSmall? = plan.refusal else {
        Issue.record("no disk refusal")
        return
    }
}

@Test func slurmDurationsReadAndWriteSlurmsFormats() {
    #expect(SlurmDuration.text(seconds: 59) == "00:01:00")
    #expect(SlurmDuration.text(seconds: 3 * 3600 + 61) == "03:02:00")
    #expect(SlurmDuration.text(seconds: 2 * 86400 + 3600) == "2-01:00:00")
    #expect(SlurmDuration.seconds("90") == 5400)
    #expect(SlurmDuration.seconds("10:30") == 630)
    #expect(SlurmDuration.seconds("24:00:00") == 86400)
    #expect(SlurmDuration.seconds("1-12") == 129_600)
    #expect(SlurmDuration.seconds("1-00:30:00") == 88_200)
    #expect(SlurmDuration.seconds("soon") == nil)
}

@Test func aRunThatFailsBeforeItsFirstJobLeavesNoRunLogOrSpecFileBehind() throws {
    let folder = temporaryFolder("failed-early")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    // A dataset root that exists but holds no image: the data check fails after the run log was opened.
    let data = (folder as NSString).appendingPathComponent("empty-data")
    try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
    let spec = (folder as NSString).appendingPathComponent("folder.json")
    try """
        {"specVersion": 1, "name": "empty", "table": "none", "seed": 1,
         "dataset": {"kind": "folder", "root": "\(data)", "imageSize": 36, "cropSize": 32},
         "protocol": {"folds": 2, "runs": 1},
         "models": [{"name": "CNN(baseline)", "kind": "cnn", "epochs": 1, "batchSize": 8}]}
        """.write(toFile: spec, atomically: true, encoding: .utf8)
    let results = (folder as NSString).appendingPathComponent("results")
    try FileManager.default.createDirectory(atPath: results, withIntermediateDirectories: true)
    try "kept".write(toFile: (results as NSString).appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
    let run = try output(["run", spec, "--results", results])
    #expect(run.status != 0)
    let left = try FileManager.default.contentsOfDirectory(atPath: results).filter { $0 != ".exp-run.lock" }.sorted()
    #expect(left == ["README.md"], "left behind: \(left); \(run.err)")
    let status = try output(["status", "--results", results])
    #expect(status.status != 0 && status.err.contains("no run log here yet"), "\(status.err)")
}
