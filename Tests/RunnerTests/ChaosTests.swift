// The chaos test: a tiny run (both models, 2 folds, sample grids) interrupted at random moments,
// by kill -9 of the coordinator or of a worker, SIGSTOP stalls of either (some ended by a kill),
// write locks on the run log held by another connection (this test process), and a full disk
// (the fault injector, `EXP_FAULT_DISK_FULL`: the run pauses, and goes on when it is freed), then resumed by
// running the same command again until it exits 0. Each trial must leave a run log equal to an
// uninterrupted run's in every table (ids, timestamps and attempt counts aside) and the same
// files, byte for byte, in the results folder.
//
// Its size comes from the environment, so that CI runs a few trials and a person any number:
// EXP_CHAOS_TRIALS (default 4), EXP_CHAOS_SEED (default 1) and EXP_CHAOS_LOCK_SECONDS, the
// longest lock (default 8 s, past the writers' 5 s busy timeout; trial 0 always holds it that
// long). `make chaos TRIALS=20 SEED=1 LOCK=60` runs it by hand. It prints "N of N identical".

import Foundation
import GRDB
import NN
import RunLog
import Runner
import Testing

private struct ChaosSettings {
    var trials = 4
    var seed: UInt64 = 1
    var lockSeconds = 8.0

    static func fromEnvironment() -> ChaosSettings {
        let env = ProcessInfo.processInfo.environment
        var s = ChaosSettings()
        if let v = env["EXP_CHAOS_TRIALS"].flatMap(Int.init), v > 0 { s.trials = v }
        if let v = env["EXP_CHAOS_SEED"].flatMap(UInt64.init) { s.seed = v }
        if let v = env["EXP_CHAOS_LOCK_SECONDS"].flatMap(Double.init), v > 0 { s.lockSeconds = v }
        return s
    }
}

/// One thing done to a running `exp run`.
private enum Disruption: CustomStringConvertible {
    case killCoordinator
    case killWorker
    case stallCoordinator(seconds: Double, thenKill: Bool)
    case stallWorker(seconds: Double)
    case holdLock(seconds: Double, thenKill: Bool)
    case fullDisk(seconds: Double)

    var description: String {
        switch self {
        case .killCoordinator: return "kill -9 coordinator"
        case .killWorker: return "kill -9 worker"
        case .stallCoordinator(let s, let k): return String(format: "SIGSTOP coordinator %.1f s%@", s, k ? " then kill -9" : "")
        case .stallWorker(let s): return String(format: "SIGSTOP worker %.1f s", s)
        case .holdLock(let s, let k): return String(format: "write lock %.1f s%@", s, k ? " then kill -9" : "")
        case .fullDisk(let s): return String(format: "full disk %.1f s", s)
        }
    }

    static func random(_ g: inout SeededGenerator, longestLock: Double) -> Disruption {
        let seconds = 0.5 + Double(g.uniform()) * 5.5
        switch g.int(below: 6) {
        case 5: return .fullDisk(seconds: seconds)
        case 0: return .killCoordinator
        case 1: return .killWorker
        case 2: return .stallCoordinator(seconds: seconds, thenKill: g.int(below: 2) == 0)
        case 3: return .stallWorker(seconds: seconds)
        default: return .holdLock(seconds: 1 + Double(g.uniform()) * (longestLock - 1), thenKill: g.int(below: 3) == 0)
        }
    }
}

/// Metric rows in the run log so far (0 while it cannot be read).
private func metricRows(_ results: String) -> Int {
    let path = ResultsLayout(root: results).database
    guard FileManager.default.fileExists(atPath: path), let store = try? RunStore(path: path, readOnly: true) else { return 0 }
    defer { try? store.close() }
    guard let row = try? store.query("SELECT COUNT(*) AS n FROM metrics").first, let n = row["n"] else { return 0 }
    return Int.fromDatabaseValue(n) ?? 0
}

/// Waits until no worker of this results folder is alive (they die with their coordinator).
private func waitForWorkers(_ results: String) {
    let deadline = Date().addingTimeInterval(10)
    while !processIDs(mentioning: results, " worker ").isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
}

@Test func chaosRunsResumeToTheUninterruptedRunLog() throws {
    let settings = ChaosSettings.fromEnvironment()
    let folder = temporaryFolder("chaos")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = try tinySpec(in: folder, epochs: 4, sampleEvery: 2)
    let reference = (folder as NSString).appendingPathComponent("reference")
    let straight = try runExp(["run", spec, "--results", reference, "--jobs", "2"])
    #expect(wait(straight, seconds: 300) && straight.terminationStatus == 0)
    let expectedTables = try runLogTables(reference), expectedFiles = resultFiles(reference)
    let totalRows = expectedTables["metrics"]?.count ?? 0
    #expect(totalRows > 0 && expectedFiles.keys.contains { $0.hasPrefix("samples/") })

    var g = SeededGenerator(seed: settings.seed)
    var identical = 0
    var lockNamed = false
    for trial in 0..<settings.trials {
        let results = (folder as NSString).appendingPathComponent("trial-\(trial)")
        let log = (folder as NSString).appendingPathComponent("trial-\(trial).stderr")
        var plan = (0..<(1 + g.int(below: 2))).map { _ in Disruption.random(&g, longestLock: settings.lockSeconds) }
        if trial == 0 { plan = [.holdLock(seconds: settings.lockSeconds, thenKill: false)] }
        if trial == 1 { plan = [.fullDisk(seconds: 3)] }
        // The fault injector's flag: while the file exists, the run's writes find a full disk.
        let flag = (folder as NSString).appendingPathComponent("trial-\(trial).disk-full")
        let environment = [DiskSpace.faultVariable: flag, "EXP_DISK_POLL_SECONDS": "0.2"]
        var process = try runExp(["run", spec, "--results", results, "--jobs", "2"], stderr: log, environment: environment)
        var done: [String] = []
        for disruption in plan {
            // A random moment: after a short delay, once the log holds some share of the metrics.
            Thread.sleep(forTimeInterval: Double(g.uniform()) * 1.0)
            let threshold = g.int(below: max(1, totalRows * 9 / 10))
            while process.isRunning && metricRows(results) < threshold { Thread.sleep(forTimeInterval: 0.02) }
            guard process.isRunning else { break }
            let coordinator = process.processIdentifier
            let workers = processIDs(mentioning: results, " worker ")
            switch disruption {
            case .killCoordinator:
                kill(-coordinator, SIGKILL)
            case .killWorker:
                guard let victim = workers.randomElement(using: &g) else { continue }
                kill(victim, SIGKILL)
            case .stallCoordinator(let seconds, let thenKill):
                kill(coordinator, SIGSTOP)
                Thread.sleep(forTimeInterval: seconds)
                kill(thenKill ? -coordinator : coordinator, thenKill ? SIGKILL : SIGCONT)
            case .stallWorker(let seconds):
                guard let victim = workers.randomElement(using: &g) else { continue }
                kill(victim, SIGSTOP)
                Thread.sleep(forTimeInterval: seconds)
                kill(victim, SIGCONT)
            case .holdLock(let seconds, let thenKill):
                var configuration = Configuration()
                configuration.busyMode = .timeout(60)
                configuration.allowsUnsafeTransactions = true  // the lock outlives one access
                let holder = try DatabaseQueue(path: ResultsLayout(root: results).database, configuration: configuration)
                try holder.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE") }
                Thread.sleep(forTimeInterval: seconds)
                if thenKill { kill(-coordinator, SIGKILL) }
                try holder.inDatabase { try $0.execute(sql: "COMMIT") }
                try holder.close()
            case .fullDisk(let seconds):
                _ = FileManager.default.createFile(atPath: flag, contents: nil)
                Thread.sleep(forTimeInterval: seconds)
                // Paused, not ended: the run is still there when space returns (or it had just finished).
                if !process.isRunning && process.terminationStatus != 0 { done.append("(the run ended while the disk was full)") }
                try FileManager.default.removeItem(atPath: flag)
            }
            done.append(disruption.description)
        }
        // Resume: the same command again until it ends well.
        var runs = 1
        while !wait(process, seconds: 300) || process.terminationStatus != 0, runs < 6 {
            waitForWorkers(results)
            process = try runExp(["run", spec, "--results", results, "--jobs", "2"], stderr: log, environment: environment)
            runs += 1
        }
        let stderr = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        if stderr.contains("is locked by pid \(getpid())") { lockNamed = true }
        let gotTables = try runLogTables(results), gotFiles = resultFiles(results)
        let endedOnFullDisk = done.contains("(the run ended while the disk was full)")
        let same = process.terminationStatus == 0 && gotTables == expectedTables && gotFiles == expectedFiles && !endedOnFullDisk
        if same { identical += 1 }
        let tableDiff = expectedTables.keys.filter { gotTables[$0] != expectedTables[$0] }.sorted()
        let fileDiff = Set(expectedFiles.keys).union(gotFiles.keys).filter { gotFiles[$0] != expectedFiles[$0] }.sorted()
        print("chaos trial \(trial): \(done.isEmpty ? "ended before any disruption" : done.joined(separator: ", ")); \(runs) run(s); "
              + (same ? "identical" : "DIFFERENT tables \(tableDiff) files \(fileDiff.prefix(5)) exit \(process.terminationStatus)"))
        #expect(same, "trial \(trial) (\(done)): tables \(tableDiff), files \(fileDiff.prefix(5)); stderr: \(stderr.suffix(800))")
    }
    print("chaos: \(identical) of \(settings.trials) identical (seed \(settings.seed), longest lock \(settings.lockSeconds) s)")
    // Trial 0 held the lock past the busy timeout: `exp` said who held it (this process).
    #expect(lockNamed || settings.lockSeconds <= RunStore.writerBusyTimeout, "no trial's stderr named the lock's holder")
}
