// `exp run --executor slurm` end to end on a real (private, single-node) Slurm cluster, on the tiny
// synthetic spec, each run compared with one uninterrupted local run in every table of the run log
// (executions aside) and every checkpoint and sample file, byte for byte:
//
// - a plain Slurm run gives the local run's numbers and files, and the same spec hash;
// - a task requeued mid-epoch (`scontrol requeue`) resumes from its checkpoint, and the submitting
//   `exp` killed with -9 meanwhile loses nothing: the tasks go on, and the next `exp run` attaches
//   to them (no second submission) and takes in everything they wrote;
// - a task over its time limit ends failed with Slurm's reason and resumes with --retry-failed; a
//   cancelled task ends interrupted (executions.state CANCELLED);
// - Ctrl-C cancels the pending tasks and stops the running one after its epoch; a detached run
//   leaves its tasks running, a local run refuses to start them again, and an attached run ends them;
// - a task that cannot write into the results folder fails naming the folder and the node.

import Foundation
import RunLog
import Runner
import Testing

/// The uninterrupted local run every Slurm run is compared with, made once and removed with the cluster.
enum Reference {
    nonisolated(unsafe) static var made: (spec: String, results: String)?

    static func remove() {
        if let made { try? FileManager.default.removeItem(atPath: (made.spec as NSString).deletingLastPathComponent) }
        made = nil
    }

    static func get() throws -> (spec: String, results: String) {
        if let made { return made }
        let folder = temporaryFolder("slurm-reference")
        let spec = try tinySpec(in: folder, epochs: 4, sampleEvery: 2)
        let results = (folder as NSString).appendingPathComponent("local")
        let p = try runExp(["run", spec, "--results", results, "--jobs", "2"])
        guard wait(p, seconds: 300), p.terminationStatus == 0 else { throw SlurmCluster.ClusterError(text: "the local reference run failed") }
        made = (spec, results)
        return (spec, results)
    }
}

private func store(_ results: String) throws -> RunStore { try RunStore(path: ResultsLayout(root: results).database, readOnly: true) }

private func jobs(_ results: String) throws -> [Int64: JobRecord] {
    let s = try store(results)
    defer { try? s.close() }
    return Dictionary(uniqueKeysWithValues: try s.jobs(experimentID: try s.experiment(matching: "tiny").id).map { ($0.id, $0) })
}

private func executions(_ results: String) throws -> [Int64: ExecutionRecord] {
    let s = try store(results)
    defer { try? s.close() }
    return try s.executions(experimentID: try s.experiment(matching: "tiny").id)
}

/// The submission folders of the experiment (`results/slurm/<hash>/<name>`).
private func submissions(_ results: String) -> [String] {
    let root = (results as NSString).appendingPathComponent("slurm")
    let hashes = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
    return hashes.flatMap { hash in
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(hash)")) ?? []).map { "\(root)/\(hash)/\($0)" }
    }.sorted()
}

/// Every messages line job `job` wrote in any submission.
private func messages(_ results: String, job: Int64) -> String {
    submissions(results).compactMap { try? String(contentsOfFile: "\($0)/job-\(job).jsonl", encoding: .utf8) }.joined()
}

@discardableResult
private func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}

/// The results folder holds the reference run's numbers and files.
private func expectSameAsReference(_ results: String, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let reference = try Reference.get().results
    let expected = try runLogTables(reference, skipping: ["executions", "execution_history"])
    let got = try runLogTables(results, skipping: ["executions", "execution_history"])
    let tableDiff = expected.keys.filter { expected[$0] != got[$0] }.sorted()
    #expect(tableDiff.isEmpty, "\(context): tables \(tableDiff) differ from the local run's", sourceLocation: sourceLocation)
    let expectedFiles = resultFiles(reference), gotFiles = resultFiles(results)
    let fileDiff = Set(expectedFiles.keys).union(gotFiles.keys).filter { expectedFiles[$0] != gotFiles[$0] }.sorted()
    #expect(fileDiff.isEmpty, "\(context): files \(fileDiff.prefix(5)) differ from the local run's", sourceLocation: sourceLocation)
}

private func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

@Suite(.serialized, .enabled(if: SlurmCluster.isInstalled, SlurmCluster.skipReason), .slurmCluster)
final class SlurmTests {
    let cluster: SlurmCluster
    /// The test's results folders and the output of its `exp` processes; removed after the test
    /// (checkpoints make it about 100 MB).
    let folder: String

    init() throws {
        cluster = try #require(SlurmCluster.current, "the suite's cluster did not start")
        folder = temporaryFolder("slurm-test")
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    func exp(_ arguments: [String], _ name: String) throws -> Process {
        try runExp(arguments, stderr: "\(folder)/\(name).err", stdout: "\(folder)/\(name).out", environment: cluster.environment)
    }

    @Test func slurmRunMatchesTheLocalRunBitForBit() throws {
        let (spec, reference) = try Reference.get()
        let results = "\(folder)/slurm"
        let p = try exp(["run", spec, "--results", results, "--executor", "slurm", "--max-running", "2", "--time", "30:00"], "run")
        #expect(wait(p, seconds: 240) && p.terminationStatus == 0, "\(text("\(folder)/run.err"))")
        try expectSameAsReference(results, "a Slurm run")
        let hashes = try [reference, results].map { try store($0).experiment(matching: "tiny").specHash }
        #expect(hashes[0] == hashes[1], "the executor changed the spec hash")
        let rows = try executions(results)
        #expect(rows.count == 4 && Set(rows.values.compactMap(\.arrayJobID)).count == 1)
        #expect(rows.values.allSatisfy { $0.executor == "slurm" && $0.state == "COMPLETED" && $0.node == "localhost" && $0.requeues == 0
                && $0.exitCode == "0:0" })
        #expect(try executions(reference).values.allSatisfy { $0.executor == "local" && $0.arrayJobID == nil })
        #expect(text("\(folder)/run.out").contains("submitted 4 job(s) to Slurm as array"))
    }

    /// A tune whose trials run as Slurm array tasks (rungs paused and promoted from their
    /// checkpoints on the nodes) makes the same choices with the same bits as the local tune.
    @Test func aTuneOnSlurmMatchesTheLocalTune() throws {
        let spec = try tinySpec(in: folder, epochs: 6)
        let local = "\(folder)/tune-local", slurm = "\(folder)/tune-slurm"
        let a = try exp(tuneArguments(spec, results: local), "tune-local")
        #expect(wait(a, seconds: 240) && a.terminationStatus == 0, "\(text("\(folder)/tune-local.err"))")
        let b = try exp(tuneArguments(spec, results: slurm, local: false) + ["--executor", "slurm", "--time", "30:00"],
                        "tune-slurm")
        #expect(wait(b, seconds: 400) && b.terminationStatus == 0, "\(text("\(folder)/tune-slurm.err"))")
        let x = try tuneRecord(local), y = try tuneRecord(slurm)
        #expect(!x.rungs.isEmpty && x.rungs == y.rungs)
        #expect(x.metrics == y.metrics)
        let executors = try store(slurm).query("SELECT DISTINCT executor FROM executions").compactMap { $0["executor"].flatMap { String.fromDatabaseValue($0) } }
        #expect(executors == ["slurm"])
    }

    @Test func requeuedTaskResumesAndAKilledCoordinatorLosesNothing() throws {
        let spec = try Reference.get().spec
        let results = "\(folder)/requeue"
        let first = try exp(["run", spec, "--results", results, "--executor", "slurm"], "first")
        // Mid-epoch: job 1 has checkpointed an epoch and is training the next.
        #expect(waitUntil(120) { messages(results, job: 1).contains("\"type\":\"epoch\"") }, "job 1 never finished an epoch")
        let array = try #require(try executions(results)[1]?.arrayJobID)
        // No --time or --mem given: the tasks ask for the plan's estimate with its margin.
        let limits = cluster.slurm("squeue", ["-r", "-h", "-j", "\(array)", "-o", "%l %m"]).output
        #expect(!limits.isEmpty && !limits.contains("UNLIMITED") && !limits.contains(" 0\n"), "time and memory limits: \(limits)")
        #expect(text("\(folder)/first.out").contains("slurm: per task --time"))
        let requeue = cluster.slurm("scontrol", ["requeue", "\(array)_0"])
        #expect(requeue.status == 0, "scontrol requeue: \(requeue.output)")
        Thread.sleep(forTimeInterval: 0.5)
        kill(-first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        // The tasks go on without their coordinator.
        let queue = cluster.slurm("squeue", ["-r", "-h", "-t", "PENDING,RUNNING,REQUEUED", "-j", "\(array)", "-o", "%K %T"])
        #expect(!queue.output.isEmpty, "no task was left running: \(queue.output)")
        let second = try exp(["run", spec, "--results", results, "--executor", "slurm"], "second")
        #expect(wait(second, seconds: 240) && second.terminationStatus == 0, "\(text("\(folder)/second.err"))")
        #expect(text("\(folder)/second.out").contains("attached to"))
        // One submission only, and job 1 resumed after a checkpointed epoch.
        #expect(submissions(results).count == 1)
        let rows = try executions(results)
        // The requeued job was watched to its end by the second run; a job whose last line the first
        // run stored before it was killed had its execution settled by the second run at its start.
        #expect(Set(rows.values.compactMap(\.arrayJobID)) == [array] && rows.values.allSatisfy { $0.state == "COMPLETED" },
                "\(rows.mapValues { $0.state ?? "nil" })")
        #expect(rows[1]?.requeues == 1)
        #expect(messages(results, job: 1).split(separator: "\n").contains { line in
            if case .started(let resumed, _)? = WorkerMessage.parse(line) { return resumed >= 1 }
            return false
        }, "the requeued task did not resume from a checkpoint")
        #expect(try jobs(results).values.allSatisfy { $0.status == .completed && $0.attempts == 1 })
        try expectSameAsReference(results, "a requeue and a killed coordinator")
    }

    @Test func timeLimitFailsTheJobAndCancelInterruptsIt() throws {
        let spec = try Reference.get().spec
        let results = "\(folder)/limits"
        let run = try exp(["run", spec, "--results", results, "--executor", "slurm", "--time", "1"], "limits")
        // Job 1 stops after an epoch (SIGSTOP: it uses no CPU while it waits for its time limit);
        // job 2 is cancelled once it runs.
        #expect(waitUntil(120) { messages(results, job: 1).contains("\"type\":\"epoch\"") })
        let worker = try #require(processIDs(mentioning: results, " worker ", "--job 1 ").first, "job 1's worker is not running")
        kill(worker, SIGSTOP)
        #expect(waitUntil(120) { messages(results, job: 2).contains("\"type\":\"started\"") })
        let array = try #require(try executions(results)[2]?.arrayJobID)
        #expect(cluster.slurm("scancel", ["\(array)_1"]).status == 0)
        // Slurm checks time limits every 30 s or so: the task ends 60 to 100 s after it started.
        #expect(wait(run, seconds: 200) && run.terminationStatus == 2, "\(text("\(folder)/limits.err"))")
        let after = try jobs(results), rows = try executions(results)
        #expect(after[1]?.status == .failed && after[1]?.error?.contains("time limit (TIMEOUT)") == true
                && after[1]?.error?.contains("--retry-failed") == true, "\(after[1]?.error ?? "no error")")
        #expect(rows[1]?.state == "TIMEOUT" && rows[1]?.reason == "TimeLimit")
        #expect(after[2]?.status == .interrupted && after[2]?.error?.contains("cancelled") == true && rows[2]?.state == "CANCELLED")
        #expect(after[3]?.status == .completed && after[4]?.status == .completed)

        let retry = try exp(["run", spec, "--results", results, "--executor", "slurm", "--retry-failed"], "retry")
        #expect(wait(retry, seconds: 240) && retry.terminationStatus == 0, "\(text("\(folder)/retry.err"))")
        #expect(text("\(folder)/retry.out").contains("CNN(baseline) run 0 fold 0 (resumed after epoch"))
        #expect(try jobs(results).values.allSatisfy { $0.status == .completed })
        try expectSameAsReference(results, "a time limit and a cancel, then --retry-failed")
    }

    @Test func ctrlCDetachAndAttach() throws {
        let spec = try Reference.get().spec
        let results = "\(folder)/stop"
        let run = try exp(["run", spec, "--results", results, "--executor", "slurm", "--max-running", "1"], "ctrlc")
        #expect(waitUntil(120) { messages(results, job: 1).contains("\"type\":\"epoch\"") })
        kill(run.processIdentifier, SIGINT)
        #expect(wait(run, seconds: 120) && run.terminationStatus == 130, "\(text("\(folder)/ctrlc.err"))")
        var after = try jobs(results), rows = try executions(results)
        #expect(after.values.allSatisfy { $0.status == .interrupted })
        #expect(after[1]?.error?.hasPrefix("interrupted after epoch") == true && rows[1]?.exitCode == "130:0")
        #expect((2...4).allSatisfy { rows[Int64($0)]?.state == "CANCELLED" && after[Int64($0)]?.error?.contains("cancelled before it started") == true })
        // They had no checkpoint: the message says they start again from the beginning.
        #expect((2...4).allSatisfy { after[Int64($0)]?.error?.contains("restarts from the beginning") == true }, "\(after[2]?.error ?? "")")
        let array = try #require(rows[1]?.arrayJobID)
        #expect(cluster.slurm("squeue", ["-r", "-h", "-t", "PENDING,RUNNING", "-j", "\(array)"]).output.isEmpty, "tasks still live")

        let detached = try exp(["run", spec, "--results", results, "--executor", "slurm", "--detach"], "detach")
        #expect(wait(detached, seconds: 60) && detached.terminationStatus == 0, "\(text("\(folder)/detach.err"))")
        #expect(text("\(folder)/detach.out").contains("4 left running in Slurm"))
        after = try jobs(results)
        rows = try executions(results)
        #expect(after.values.allSatisfy { $0.status == .running } && Set(rows.values.compactMap(\.arrayJobID)).count == 1
                && rows[1]?.arrayJobID != array)
        let status = try exp(["status", "--results", results], "status")
        #expect(wait(status, seconds: 60) && status.terminationStatus == 0)
        #expect(text("\(folder)/status.out").contains("slurm \(rows[1]!.arrayJobID!)_0 "))
        // A local run does not start jobs that Slurm may still be running.
        let local = try exp(["run", spec, "--results", results], "local")
        #expect(wait(local, seconds: 60) && local.terminationStatus != 0)
        #expect(text("\(folder)/local.err").contains("--executor slurm to attach"))

        let attached = try exp(["run", spec, "--results", results, "--executor", "slurm"], "attach")
        #expect(wait(attached, seconds: 240) && attached.terminationStatus == 0, "\(text("\(folder)/attach.err"))")
        #expect(submissions(results).count == 2)
        // The cancelled attempts stay visible after their rerun.
        let history = try store(results).query("SELECT job_id, state FROM execution_history")
        #expect(history.count == 4 && history.filter { $0["state"] == "CANCELLED".databaseValue }.count >= 3, "\(history)")
        try expectSameAsReference(results, "Ctrl-C, --detach, then attached")
    }

    @Test func aTaskThatCannotWriteIntoTheResultsFolderSaysWhich() throws {
        let spec = try Reference.get().spec
        let results = "\(folder)/unreachable"
        // Slurm cannot open the task's output file, as on a node that does not see the results folder.
        let run = try exp(["run", spec, "--results", results, "--executor", "slurm", "--only", "model=HA-GAN,fold=0",
                           "--sbatch-arg=--output=/nonexistent/exp-test/slurm-%a.out"], "unreachable")
        #expect(wait(run, seconds: 120) && run.terminationStatus == 2)
        let job = try #require(try jobs(results).values.first { $0.status != .pending })
        #expect(job.status == .failed)
        #expect(job.error?.contains("without writing anything into the results folder \(results)") == true
                && job.error?.contains("node localhost") == true, "\(job.error ?? "no error")")
    }
}

/// A cluster that does not answer stops `exp run --executor slurm` before anything is written: no
/// results folder, no lock file (a Slurm client pointed at a configuration that does not exist).
@Test func aSlurmRunAgainstAStoppedClusterWritesNothing() throws {
    let folder = temporaryFolder("slurm-stopped")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = try tinySpec(in: folder)
    let results = (folder as NSString).appendingPathComponent("results")
    let run = try runCapturing(expExecutable, ["run", spec, "--results", results, "--executor", "slurm"],
                               environment: ["SLURM_CONF": (folder as NSString).appendingPathComponent("no-such-slurm.conf"),
                                             "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
    #expect(run.status != 0)
    #expect(run.err.contains("nothing was written"), "\(run.err)")
    #expect(!FileManager.default.fileExists(atPath: results), "a run stopped before submitting left its results folder")
}
