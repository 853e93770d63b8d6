// A full disk pauses a run instead of ending it: with the fault injector (`EXP_FAULT_DISK_FULL`,
// every guarded write fails as on a full disk while its file exists) and, where this process may
// mount one, on a real small filesystem (tmpfs) filled by the test. Either way the run says which
// filesystem is full, trains nothing new while it is, goes on by itself when space returns, and
// ends with every table and file equal to an uninterrupted run's.

import Foundation
import RunLog
import Runner
import Testing

/// Waits until `body` holds, at most `seconds`.
private func eventually(_ seconds: Double, _ body: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if body() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return body()
}

/// Rows of the run log's metrics table (0 while it cannot be read).
private func metricCount(_ results: String) -> Int {
    guard let store = try? RunStore(path: ResultsLayout(root: results).database, readOnly: true) else { return 0 }
    defer { try? store.close() }
    return (try? store.query("SELECT COUNT(*) AS n FROM metrics").first?["n"]).flatMap { $0.flatMap { Int.fromDatabaseValue($0) } } ?? 0
}

@Test func aFullDiskPausesTheRunAndFreedSpaceFinishesIt() throws {
    let folder = temporaryFolder("disk-full")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = try tinySpec(in: folder, epochs: 6, sampleEvery: 2)
    let reference = (folder as NSString).appendingPathComponent("reference")
    let straight = try runExp(["run", spec, "--results", reference, "--jobs", "2"])
    #expect(wait(straight, seconds: 300) && straight.terminationStatus == 0)

    let results = (folder as NSString).appendingPathComponent("paused")
    let log = (folder as NSString).appendingPathComponent("paused.stderr")
    let flag = (folder as NSString).appendingPathComponent("full")
    let process = try runExp(["run", spec, "--results", results, "--jobs", "2"], stderr: log, stdout: log,
                             environment: [DiskSpace.faultVariable: flag, "EXP_DISK_POLL_SECONDS": "0.2"])
    #expect(eventually(120) { metricCount(results) > 0 })
    _ = FileManager.default.createFile(atPath: flag, contents: nil)
    // Paused: it says so, naming the filesystem, and stores no epoch while the disk is full.
    #expect(eventually(60) { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("paused: the filesystem") })
    let rows = metricCount(results)
    Thread.sleep(forTimeInterval: 2)
    #expect(process.isRunning, "the run ended on a full disk")
    #expect(metricCount(results) == rows, "epochs were stored while the disk was full")
    try FileManager.default.removeItem(atPath: flag)
    #expect(wait(process, seconds: 300) && process.terminationStatus == 0)
    #expect(try runLogTables(results) == runLogTables(reference))
    #expect(resultFiles(results) == resultFiles(reference))
}

@Test func ctrlCStopsARunPausedOnAFullDiskAndARerunFinishesIt() throws {
    let folder = temporaryFolder("disk-full-stop")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = try tinySpec(in: folder, epochs: 6, sampleEvery: 2)
    let reference = (folder as NSString).appendingPathComponent("reference")
    let straight = try runExp(["run", spec, "--results", reference, "--jobs", "2"])
    #expect(wait(straight, seconds: 300) && straight.terminationStatus == 0)

    let results = (folder as NSString).appendingPathComponent("stopped")
    let log = (folder as NSString).appendingPathComponent("stopped.stderr")
    let flag = (folder as NSString).appendingPathComponent("full")
    let environment = [DiskSpace.faultVariable: flag, "EXP_DISK_POLL_SECONDS": "0.2"]
    let process = try runExp(["run", spec, "--results", results, "--jobs", "2"], stderr: log, stdout: log, environment: environment)
    #expect(eventually(120) { metricCount(results) > 0 })
    _ = FileManager.default.createFile(atPath: flag, contents: nil)
    #expect(eventually(60) { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("paused: the filesystem") })
    kill(process.processIdentifier, SIGINT)
    // One Ctrl-C ends the wait: the run stops with a message, the disk still full.
    #expect(wait(process, seconds: 60), "Ctrl-C did not stop a paused run")
    #expect(process.terminationStatus != 0)
    try FileManager.default.removeItem(atPath: flag)
    Thread.sleep(forTimeInterval: 0.5)
    let rerun = try runExp(["run", spec, "--results", results, "--jobs", "2"], stderr: log, environment: environment)
    #expect(wait(rerun, seconds: 300) && rerun.terminationStatus == 0)
    #expect(try runLogTables(results) == runLogTables(reference))
    #expect(resultFiles(results) == resultFiles(reference))
}

/// Mounts a tmpfs of `megabytes` at `path` (root with CAP_SYS_ADMIN only); false when not allowed.
private func mountSmallFilesystem(_ path: String, megabytes: Int) -> Bool {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/mount")
    p.arguments = ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}

private func unmount(_ path: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/umount")
    p.arguments = [path]
    try? p.run()
    p.waitUntilExit()
}

@Test func aRealFullFilesystemPausesTheRunUntilItIsFreed() throws {
    let folder = temporaryFolder("small-fs")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let mount = (folder as NSString).appendingPathComponent("fs")
    try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
    guard mountSmallFilesystem(mount, megabytes: 200) else {
        print("skipped: this process may not mount a tmpfs (needs root with CAP_SYS_ADMIN); the fault-injector tests cover the pause")
        return
    }
    defer { unmount(mount) }
    let spec = try tinySpec(in: folder, epochs: 6, sampleEvery: 2)
    let reference = (folder as NSString).appendingPathComponent("reference")
    let straight = try runExp(["run", spec, "--results", reference, "--jobs", "2"])
    #expect(wait(straight, seconds: 300) && straight.terminationStatus == 0)

    let results = (mount as NSString).appendingPathComponent("results")
    let log = (folder as NSString).appendingPathComponent("fs.stderr")
    let process = try runExp(["run", spec, "--results", results, "--jobs", "2"], stderr: log, stdout: log,
                             environment: ["EXP_DISK_POLL_SECONDS": "0.2"])
    #expect(eventually(120) { metricCount(results) > 0 })
    // Fill the filesystem to the last block.
    let filler = (mount as NSString).appendingPathComponent("filler")
    _ = FileManager.default.createFile(atPath: filler, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
    let block = Data(count: 1 << 20)
    while (try? handle.write(contentsOf: block)) != nil {}
    let small = Data(count: 4096)
    while (try? handle.write(contentsOf: small)) != nil {}
    try? handle.close()
    #expect(eventually(60) { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("paused: the filesystem \(mount)") })
    Thread.sleep(forTimeInterval: 1)
    #expect(process.isRunning, "the run ended on a full filesystem")
    try FileManager.default.removeItem(atPath: filler)
    #expect(wait(process, seconds: 300) && process.terminationStatus == 0)
    #expect(try runLogTables(results) == runLogTables(reference))
    #expect(resultFiles(results) == resultFiles(reference))
}

@Test func aRunLargerThanItsRealFilesystemIsRefusedWithFigures() throws {
    let folder = temporaryFolder("tiny-fs")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let mount = (folder as NSString).appendingPathComponent("fs")
    try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
    guard mountSmallFilesystem(mount, megabytes: 8) else {
        print("skipped: this process may not mount a tmpfs (needs root with CAP_SYS_ADMIN); the fault-injector test covers the refusal")
        return
    }
    defer { unmount(mount) }
    let spec = try tinySpec(in: folder, epochs: 2)
    let results = (mount as NSString).appendingPathComponent("results")
    let run = try runCapturing(expExecutable, ["run", spec, "--results", results])
    #expect(run.status != 0)
    // "not enough free disk for this run: it needs about 40 MB at its peak in .../fs/results, and 8.4 MB are free."
    #expect(run.err.contains("not enough free disk for this run: it needs about") && run.err.contains("MB are free"), "\(run.err)")
    #expect(!FileManager.default.fileExists(atPath: results))
}
