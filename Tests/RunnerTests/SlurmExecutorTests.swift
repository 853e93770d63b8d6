// The Slurm executor against a fake Slurm (scripted sbatch, squeue and sacct answers, no
// cluster): what it submits, how squeue's lines read, and how each way a task can end becomes the
// coordinator's events: a time limit fails the job with Slurm's reason, a cancel interrupts it, a
// task that left the queue is judged by its messages file, and a task that wrote nothing into the
// results folder names the folder and the node. The real cluster is in SlurmTests.swift.

import Foundation
import RunLog
import Runner
import Testing

/// A Slurm whose answers the test sets; it records every command.
final class FakeSlurm: SlurmCommands, @unchecked Sendable {
    private let lock = NSLock()
    private var _calls: [[String]] = []
    /// squeue's output (the `-O` fields, `|` after each) per call, the last one repeated.
    var squeue: [String] = [""]
    var sbatch: () throws -> String = { "41\n" }
    var sacct: () throws -> String = { throw SlurmError.failed(command: "sacct", status: 1, stderr: "Slurm accounting storage is disabled") }

    var calls: [[String]] {
        lock.lock()
        defer { lock.unlock() }
        return _calls
    }

    func run(_ tool: String, _ arguments: [String]) throws -> String {
        lock.lock()
        _calls.append([tool] + arguments)
        let answer = squeue.count > 1 && tool == "squeue" ? squeue.removeFirst() : squeue[0]
        lock.unlock()
        switch tool {
        case "scontrol": return "Configuration data as of ...\nMaxArraySize            = 3\nMinJobAge = 300 sec\n"
        case "sbatch": return try sbatch()
        case "squeue": return answer
        case "sacct": return try sacct()
        default: return ""
        }
    }
}

/// `array|index|jobid|state|node|reason|restarts|exit_code|name|`, as squeue -O prints it.
func squeueLine(_ array: Int, _ index: String, _ state: String, node: String = "", reason: String = "None", restarts: Int = 0,
                wait: Int32 = 0, name: String) -> String {
    "\(array)|\(index)|\(array + (Int(index) ?? 0) + 1)|\(state)|\(node)|\(reason)|\(restarts)|\(wait)|\(name)|"
}

/// Events until `done` says so or `seconds` pass.
func events(_ executor: Executor, seconds: Double = 10, until done: ([WorkerEvent]) -> Bool) -> [WorkerEvent] {
    var out: [WorkerEvent] = []
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline && !done(out) {
        if let e = executor.nextEvent(timeout: 0.05) { out.append(e) }
    }
    return out
}

func exits(_ events: [WorkerEvent]) -> [String: (Int32, ExecutorVerdict?)] {
    var out: [String: (Int32, ExecutorVerdict?)] = [:]
    for case .exited(let job, let status, _, let verdict) in events { out[job] = (status, verdict) }
    return out
}

private func makeExecutor(_ slurm: FakeSlurm, results: String, time: String? = nil) throws -> SlurmExecutor {
    try SlurmExecutor(executable: URL(fileURLWithPath: "/opt/exp"), results: results, experimentHash: "0123456789abcdef",
                      options: SlurmOptions(time: time, cpusPerTask: 2, maxRunning: 5, extraArguments: ["--account=proj"],
                                            pollInterval: 0, readInterval: 0),
                      queue: SlurmQueue(commands: slurm))
}

@Test func squeueLinesAndExitCodesRead() {
    let t = SlurmQueue.parse(Substring(squeueLine(12, "3", "TIMEOUT", node: "n7", reason: "TimeLimit", restarts: 2, wait: 15, name: "exp-x")))
    #expect(t == SlurmTask(arrayJobID: 12, arrayIndex: 3, jobID: 16, state: "TIMEOUT", node: "n7", reason: "TimeLimit", restarts: 2,
                           waitStatus: 15, name: "exp-x"))
    #expect(t?.exitStatus == 128 + 15 && t?.exitCode == "0:15" && t?.isFinal == true)
    let failed = SlurmQueue.parse(Substring(squeueLine(12, "1", "FAILED", wait: 130 << 8, name: "exp-x")))
    #expect(failed?.exitStatus == 130 && failed?.exitCode == "130:0")
    // Pending tasks cancelled together show as the array's one record, without an index.
    let meta = SlurmQueue.parse(Substring(squeueLine(12, "N/A", "CANCELLED", reason: "JobArrayTaskLimit", name: "exp-x")))
    #expect(meta?.arrayIndex == nil && meta?.node == nil && meta?.isFinal == true)
    #expect(SlurmQueue.parse("slurm_load_jobs error: Invalid job id specified") == nil)
    #expect(SlurmQueue.parse(Substring(squeueLine(12, "0", "PENDING", reason: "JobHeldUser", name: "x")))?.isHeld == true)
    // squeue -O pads its fields with blanks; a field may hold any UTF-8 (a node's or a job's name).
    let padded = SlurmQueue.parse("12   |3 \t|16  |RUNNING   |nœud-7    |None  |0 |0 |exp-é✓  |")
    #expect(padded == SlurmTask(arrayJobID: 12, arrayIndex: 3, jobID: 16, state: "RUNNING", node: "nœud-7", reason: nil, restarts: 0,
                                waitStatus: 0, name: "exp-é✓"))
    #expect(SlurmQueue.parse("  |  |  |  |  |  |  |  |  |") == nil)
}

@Test func launchesAreSubmittedAsArraysThatEndAsSlurmSays() throws {
    let results = temporaryFolder("slurm-fake")
    defer { try? FileManager.default.removeItem(atPath: results) }
    let slurm = FakeSlurm()
    let executor = try makeExecutor(slurm, results: results, time: "0:10")
    // MaxArraySize 3: four jobs make two arrays.
    var records: [ExecutionRecord] = []
    for job in 1...4 { records.append(try executor.launch(job: "\(job)", arguments: ["worker", "--job", "\(job)"], environment: ["OPENBLAS_NUM_THREADS": "2"])) }
    #expect(records.map(\.state) == ["SUBMITTING", "SUBMITTING", "SUBMITTING", "SUBMITTING"])
    #expect(records.map(\.arrayIndex) == [0, 1, 2, 0] && records[0].submission != records[3].submission)
    let first = records[0].submission!, second = records[3].submission!
    let folder = ((results as NSString).appendingPathComponent("slurm/0123456789abcdef") as NSString).appendingPathComponent(first)
    slurm.squeue = [[squeueLine(41, "0", "RUNNING", node: "n1", name: first), squeueLine(41, "1", "PENDING", name: first),
                     squeueLine(41, "2", "PENDING", name: first), squeueLine(41, "0", "PENDING", name: second)].joined(separator: "\n")]
    var seen = events(executor) { $0.contains { if case .execution(_, let e) = $0 { return e.state == "RUNNING" }; return false } }
    let sbatches = slurm.calls.filter { $0[0] == "sbatch" }
    #expect(sbatches.count == 2)
    let options = sbatches[0]
    #expect(options.contains("--array=0-2%5") && options.contains("--cpus-per-task=2") && options.contains("--time=0:10")
            && options.contains("--requeue") && options.contains("--job-name=\(first)") && options.last == folder + "/batch.sh")
    #expect(options.firstIndex(of: "--account=proj")! > options.firstIndex(of: "--time=0:10")!)
    let tasks = try String(contentsOfFile: folder + "/tasks", encoding: .utf8).split(separator: "\n")
    #expect(tasks.count == 3 && tasks[1] == "'2' '/usr/bin/env' 'OPENBLAS_NUM_THREADS=2' '/opt/exp' 'worker' '--job' '2'")
    #expect(seen.contains { if case .notice(let t) = $0 { return t.contains("submitted 3 job(s) to Slurm as array 41") }; return false })
    #expect(seen.contains { if case .execution("1", let e) = $0 { return e.arrayJobID == 41 && e.node == "n1" }; return false })

    // Job 1 writes two lines and runs out of time; job 2 is cancelled; job 3 completes; job 4
    // leaves the queue without a final line, and sacct does not answer.
    let writer1 = try MessageFileWriter(path: folder + "/job-1.jsonl")
    try writer1.send(.started(resumedFromEpoch: 0, epochs: 3))
    try writer1.send(.epoch(epoch: 1, metrics: ["loss": 1]))
    let writer3 = try MessageFileWriter(path: folder + "/job-3.jsonl")
    try writer3.send(.started(resumedFromEpoch: 0, epochs: 1))
    try writer3.send(.completed)
    slurm.squeue = [[squeueLine(41, "0", "TIMEOUT", node: "n1", reason: "TimeLimit", wait: 15, name: first),
                     squeueLine(41, "1", "CANCELLED", node: "n2", wait: 15, name: first),
                     squeueLine(41, "2", "COMPLETED", node: "n1", name: first)].joined(separator: "\n")]
    seen += events(executor) { exits($0).count == 4 }
    let ends = exits(seen)
    #expect(ends.count == 4)
    #expect(ends["1"]?.1?.status == .failed && ends["1"]!.1!.reason.contains("time limit (TIMEOUT), --time 0:10")
            && ends["1"]!.1!.reason.contains("--retry-failed"))
    #expect(ends["2"]?.1?.status == .interrupted && ends["2"]!.1!.reason.contains("cancelled"))
    #expect(ends["3"]?.0 == 0 && ends["3"]?.1 == nil)
    #expect(ends["4"]?.1?.status == .interrupted && ends["4"]!.1!.reason.contains("left the queue"))
    // Every message of job 1 comes before its end, and its final execution says TIMEOUT.
    let job1 = seen.filter { if case .message("1", _) = $0 { return true }; if case .exited("1", _, _, _) = $0 { return true }; return false }
    #expect(job1.count == 3)
    if case .exited = job1.last {} else { Issue.record("job 1's end came before its messages") }
    #expect(seen.contains { if case .execution("1", let e) = $0 { return e.state == "TIMEOUT" && e.reason == "TimeLimit" && e.exitCode == "0:15" }; return false })
    #expect(slurm.calls.contains { $0[0] == "sacct" })
}

@Test func aTaskThatWroteNothingNamesTheResultsFolderAndNode() throws {
    let results = temporaryFolder("slurm-nothing")
    defer { try? FileManager.default.removeItem(atPath: results) }
    let slurm = FakeSlurm()
    let executor = try makeExecutor(slurm, results: results)
    let name = try executor.launch(job: "7", arguments: ["worker"], environment: [:]).submission!
    slurm.squeue = [squeueLine(41, "0", "FAILED", node: "n9", reason: "JobLaunchFailure", wait: 1 << 8, name: name)]
    let ends = exits(events(executor) { exits($0).count == 1 })
    let reason = try #require(ends["7"]?.1?.reason)
    #expect(ends["7"]?.1?.status == .failed)
    #expect(reason.contains("without writing anything into the results folder \(results)") && reason.contains("node n9"))
}

@Test func tasksLeftByAnEarlierRunAreAdoptedAndJudgedByTheirFiles() throws {
    let results = temporaryFolder("slurm-adopt")
    defer { try? FileManager.default.removeItem(atPath: results) }
    let slurm = FakeSlurm()
    slurm.sacct = { "" }
    let executor = try makeExecutor(slurm, results: results)
    let folder = (results as NSString).appendingPathComponent("slurm/0123456789abcdef/exp-old-1")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let writer = try MessageFileWriter(path: folder + "/job-5.jsonl")
    for m: WorkerMessage in [.started(resumedFromEpoch: 0, epochs: 1), .epoch(epoch: 1, metrics: ["loss": 2]), .completed] { try writer.send(m) }
    let adopted = try executor.adopt([
        "5": ExecutionRecord(executor: "slurm", submission: "exp-old-1", arrayJobID: 30, arrayIndex: 0, state: "RUNNING"),
        "6": ExecutionRecord(executor: "slurm", submission: "exp-old-1", arrayJobID: 30, arrayIndex: 1, state: "RUNNING"),
        // A coordinator killed before sbatch returned: never in the queue.
        "8": ExecutionRecord(executor: "slurm", submission: "exp-lost-1", arrayIndex: 0, state: "SUBMITTING"),
    ])
    #expect(adopted == ["5", "6", "8"])
    #expect(slurm.calls.filter { $0[0] == "sbatch" }.isEmpty)
    // Task 1 still runs; task 0 has left the queue (MinJobAge).
    slurm.squeue = [squeueLine(30, "1", "RUNNING", node: "n1", name: "exp-old-1")]
    let seen = events(executor) { exits($0).count == 2 }
    let ends = exits(seen)
    #expect(ends["5"]?.0 == 0 && ends["5"]?.1 == nil)
    #expect(ends["8"]?.1?.status == .interrupted && ends["8"]!.1!.reason.contains("never seen in the queue"))
    #expect(ends["6"] == nil)
    // The adopted job's file is read from its start: all three lines.
    #expect(seen.filter { if case .message("5", _) = $0 { return true }; return false }.count == 3)
    // The local executor cannot watch Slurm's tasks and says what to run instead.
    #expect(throws: ExecutorError.self) {
        try WorkerPool(executable: URL(fileURLWithPath: "/bin/sh")).adopt(["5": ExecutionRecord(executor: "slurm", arrayJobID: 30, arrayIndex: 0)])
    }
    #expect("\(ExecutorError.liveElsewhere(["5": ExecutionRecord(executor: "slurm", arrayJobID: 30, arrayIndex: 0)]))".contains("--executor slurm"))
}

@Test func aFailedSubmissionInterruptsItsJobsWithSbatchsMessage() throws {
    let results = temporaryFolder("slurm-sbatch")
    defer { try? FileManager.default.removeItem(atPath: results) }
    let slurm = FakeSlurm()
    slurm.sbatch = { throw SlurmError.failed(command: "sbatch", status: 1, stderr: "sbatch: error: invalid partition specified: gpu") }
    let executor = try makeExecutor(slurm, results: results)
    _ = try executor.launch(job: "1", arguments: ["worker"], environment: [:])
    let ends = exits(events(executor) { exits($0).count == 1 })
    // The job never ran: interrupted, so that a plain rerun (with the option fixed) submits it again.
    #expect(ends["1"]?.1?.status == .interrupted && ends["1"]!.1!.reason.contains("invalid partition specified: gpu"))
}
