// The Slurm executor: the jobs the coordinator launches are collected and submitted together as
// one job array (`SlurmSubmission`; several when they exceed the cluster's MaxArraySize), whose
// tasks run `exp worker` on the nodes with their messages in a file per job in the results
// folder. `nextEvent` submits what was launched, then reads the messages files (every
// `readInterval`, only the bytes appended since; a file read on the beat of its epochs is left
// alone for half an epoch, `MessageTail.readIfDue`) and polls `squeue` (every `pollInterval`), and
// turns both into the coordinator's events: a task's messages, changes of its execution (queued,
// running on a node, requeued), and once Slurm says it has ended, its last messages and its end.
// Tasks never open the run log and do not depend on the coordinator: killed or detached, a later
// coordinator finds them again by their array's job name (`adopt`) and reads their files from the
// start (ingest is idempotent).

import Foundation
import RunLog

public final class SlurmExecutor: Executor, @unchecked Sendable {
    /// Slurm holds as many jobs as we give it; its array throttle (`--max-running`) limits how many run.
    public let capacity = Int.max

    private let queue: SlurmQueue
    private let options: SlurmOptions
    private let executable: URL
    private let results: String
    private let experimentHash: String
    private let experimentFolder: String
    private let maxArraySize: Int
    /// Lines of a task's stderr file kept for the error text of a failure.
    public var stderrLines = 30

    /// A task being watched: where its files are and what was last reported about it.
    private struct Watched {
        var submission: String
        var folder: String
        var index: Int
        var arrayJobID: Int64?
        var tail: MessageTail
        var reported: ExecutionRecord
        /// A completed, diverged or failed line was read: the worker ended the job itself.
        var finalLine: WorkerMessage?
        /// Rounds of squeue in which the task was missing (submitted tasks appear at once).
        var missing = 0
        /// The job's checkpoint file (its worker's `--checkpoint`, relative to the results folder).
        var checkpoint: String?
    }

    private let lock = NSLock()
    /// The tasks being watched, by job; a job enters by `watch` and leaves by `unwatch`, so that
    /// `watchedJobs` (the order every read and poll goes through them) is sorted once per change,
    /// not once per read of thousands of tasks.
    private var watched: [String: Watched] = [:]
    private var sortedJobs: [String]?
    private var open: SlurmSubmission?
    private var unsubmitted: [SlurmSubmission] = []
    private var stopped = false
    private var events: [WorkerEvent] = []
    /// The first event of `events` not returned yet.
    private var head = 0
    private var nextRead = 0.0
    private var nextPoll = 0.0
    private var queueFailing = false

    /// Asks the cluster for its MaxArraySize first: a Slurm that does not answer is an error here
    /// (`SlurmError.unreachable`), before any job is marked running.
    public init(executable: URL, results: String, experimentHash: String, options: SlurmOptions, queue: SlurmQueue = SlurmQueue()) throws {
        self.executable = executable
        self.results = results
        self.experimentHash = experimentHash
        self.experimentFolder = ((results as NSString).appendingPathComponent("slurm") as NSString).appendingPathComponent(experimentHash)
        self.options = options
        self.queue = queue
        do {
            maxArraySize = max(1, try queue.maxArraySize())
        } catch {
            throw SlurmError.unreachable(detail: "\(error)")
        }
    }

    // MARK: Executor

    public func adopt(_ executions: [String: ExecutionRecord]) throws -> Set<String> {
        lock.lock()
        defer { lock.unlock() }
        var adopted: Set<String> = []
        for (job, e) in executions where e.executor == "slurm" {
            let submission = e.submission ?? ""
            let folder = (experimentFolder as NSString).appendingPathComponent(submission)
            watch(job, Watched(submission: submission, folder: folder, index: e.arrayIndex ?? -1, arrayJobID: e.arrayJobID,
                                   tail: MessageTail(path: SlurmSubmission.messagesFile(folder: folder, job: job)), reported: e,
                                   checkpoint: SlurmSubmission.checkpoint(ofJob: job, folder: folder)))
            adopted.insert(job)
        }
        if !adopted.isEmpty {
            events.append(.notice("attached to \(adopted.count) job(s) submitted to Slurm by an earlier run; reading what they wrote"))
        }
        return adopted
    }

    /// Asks squeue, then sacct, for the tasks of ended jobs whose recorded state is not final.
    public func settle(_ executions: [String: ExecutionRecord]) -> [String: ExecutionRecord] {
        let open = executions.filter { $0.value.hasOpenSlurmState }
        guard !open.isEmpty else { return [:] }
        var found: [String: SlurmTask] = [:]
        let names = Set(open.values.compactMap(\.submission)).sorted()
        for t in (try? queue.tasks(named: names)) ?? [] where t.isFinal {
            if let i = t.arrayIndex { found["\(t.name)/\(i)"] = t }
        }
        let accounted = queue.accounting(arrays: Set(open.values.compactMap(\.arrayJobID)).sorted())
        var out: [String: ExecutionRecord] = [:]
        for (job, e) in open {
            let task = e.submission.flatMap { found["\($0)/\(e.arrayIndex ?? -1)"] }
                ?? e.arrayJobID.flatMap { accounted["\($0)_\(e.arrayIndex ?? -1)"] }
            guard let t = task, t.isFinal else { continue }
            var record = e
            record.state = t.state
            record.node = t.node ?? record.node
            record.exitCode = t.exitCode
            record.reason = t.reason
            out[job] = record
        }
        return out
    }

    public func launch(job: String, arguments: [String], environment: [String: String]) throws -> ExecutionRecord {
        lock.lock()
        defer { lock.unlock() }
        if open == nil || open!.jobs.count >= maxArraySize {
            if let full = open { unsubmitted.append(full) }
            try FileManager.default.createDirectory(atPath: experimentFolder, withIntermediateDirectories: true)
            let name = SlurmSubmission.newName(experimentHash: experimentHash, experimentFolder: experimentFolder)
            let folder = (experimentFolder as NSString).appendingPathComponent(name)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            open = SlurmSubmission(name: name, folder: folder)
        }
        let index = open!.jobs.count
        open!.jobs.append(job)
        open!.commands.append(["/usr/bin/env"] + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + [executable.path] + arguments)
        let record = ExecutionRecord(executor: "slurm", submission: open!.name, arrayIndex: index, state: "SUBMITTING")
        watch(job, Watched(submission: open!.name, folder: open!.folder, index: index, arrayJobID: nil,
                           tail: MessageTail(path: SlurmSubmission.messagesFile(folder: open!.folder, job: job)), reported: record,
                           checkpoint: SlurmSubmission.checkpoint(in: arguments)))
        return record
    }

    public func nextEvent(timeout: Double) -> WorkerEvent? {
        let deadline = monotonicSeconds() + timeout
        while true {
            lock.lock()
            if head < events.count {
                let e = events[head]
                head += 1
                // Read events are dropped in one go once they are half the array (no shift per event).
                if head * 2 >= events.count {
                    events.removeFirst(head)
                    head = 0
                }
                lock.unlock()
                return e
            }
            lock.unlock()
            submitLaunched()
            let now = monotonicSeconds()
            if now >= nextRead {
                readMessages()
                lock.lock()
                let count = watched.count
                lock.unlock()
                nextRead = now + Self.readInterval(options.readInterval, tasks: count)
            }
            if now >= nextPoll {
                poll()
                // squeue's answer grows with the tasks: every 2 s up to 1,000 tasks, then 2 s more
                // per 1,000 (10 s at 5,000), as schedulers ask of clients that poll.
                lock.lock()
                let count = watched.count
                lock.unlock()
                nextPoll = now + max(options.pollInterval, options.pollInterval * Double(count) / 1000)
            }
            lock.lock()
            let ready = head < events.count
            lock.unlock()
            if ready { continue }
            let wake = min(deadline, nextRead, nextPoll)
            if monotonicSeconds() >= deadline { return nil }
            Thread.sleep(forTimeInterval: max(0.005, wake - monotonicSeconds()))
        }
    }

    /// How long between two reads of the messages files: each read costs a stat per task, so
    /// `base` up to 2,500 tasks, then `base` more per 2,500 (2 s at 5,000 for the default 1 s), as
    /// squeue's polls grow with the tasks.
    public static func readInterval(_ base: Double, tasks: Int) -> Double {
        max(base, base * Double(tasks) / 2500)
    }

    public func interruptAll() {
        lock.lock()
        stopped = true
        let arrays = Set(watched.values.compactMap(\.arrayJobID)).sorted()
        lock.unlock()
        queue.stop(arrays: arrays)
    }

    // MARK: Submitting

    /// Submits the arrays launched since the last call (none once stopped: their jobs end interrupted).
    private func submitLaunched() {
        lock.lock()
        defer { lock.unlock() }
        if let last = open {
            unsubmitted.append(last)
            open = nil
        }
        guard !unsubmitted.isEmpty else { return }
        let batches = unsubmitted
        unsubmitted = []
        for var submission in batches {
            if stopped {
                end(submission, reason: "not submitted: exp run was stopped first", status: .interrupted)
                continue
            }
            do {
                let script = (submission.folder as NSString).appendingPathComponent("batch.sh")
                try Data(SlurmSubmission.script(folder: submission.folder).utf8).write(to: URL(fileURLWithPath: script), options: .atomic)
                try Data(submission.tasksFile.utf8).write(
                    to: URL(fileURLWithPath: (submission.folder as NSString).appendingPathComponent("tasks")), options: .atomic)
                let id = try queue.submit(script: script, arguments: submission.sbatchArguments(options, results: results))
                submission.arrayJobID = id
                for job in submission.jobs {
                    watched[job]?.arrayJobID = id
                    var record = watched[job]!.reported
                    record.arrayJobID = id
                    record.state = "PENDING"
                    report(job, record)
                }
                events.append(.notice("submitted \(submission.jobs.count) job(s) to Slurm as array \(id) (\(submission.name))"
                                      + (options.maxRunning.map { ", at most \($0) running at once" } ?? "")
                                      + "; their messages and stderr are in \(submission.folder)"))
            } catch {
                // The jobs never ran: a plain rerun submits them again (once the sbatch options are fixed).
                end(submission, reason: "could not submit to Slurm: \(error)", status: .interrupted)
            }
        }
    }

    /// Ends every job of a submission that never reached Slurm.
    private func end(_ submission: SlurmSubmission, reason: String, status: JobStatus) {
        for job in submission.jobs {
            guard var record = unwatch(job)?.reported else { continue }
            record.state = nil
            record.reason = reason
            events.append(.execution(job: job, record))
            events.append(.exited(job: job, status: status == .interrupted ? 130 : 1, stderrTail: "",
                                  verdict: ExecutorVerdict(status: status, reason: reason)))
        }
    }

    // MARK: Watching

    private func watch(_ job: String, _ w: Watched) {
        if watched.updateValue(w, forKey: job) == nil { sortedJobs = nil }
    }

    @discardableResult
    private func unwatch(_ job: String) -> Watched? {
        let w = watched.removeValue(forKey: job)
        if w != nil { sortedJobs = nil }
        return w
    }

    /// The watched jobs in order (of their names).
    private var watchedJobs: [String] {
        if let sortedJobs { return sortedJobs }
        let jobs = watched.keys.sorted()
        sortedJobs = jobs
        return jobs
    }

    /// The new messages of every watched task whose file is due (`MessageTail.readIfDue`).
    private func readMessages() {
        lock.lock()
        defer { lock.unlock() }
        let now = monotonicSeconds()
        for job in watchedJobs { drain(job, now: now) }
    }

    /// The task's new messages become events: read at once, or only if due when `now` is given.
    private func drain(_ job: String, now: Double? = nil) {
        guard let tail = watched[job]?.tail else { return }
        for message in now.map(tail.readIfDue) ?? tail.read() {
            switch message {
            case .completed, .diverged, .failed: watched[job]?.finalLine = message
            default: break
            }
            events.append(.message(job: job, message))
        }
    }

    private func report(_ job: String, _ record: ExecutionRecord) {
        guard watched[job] != nil, watched[job]!.reported != record else { return }
        watched[job]!.reported = record
        events.append(.execution(job: job, record))
    }

    /// One squeue of the submissions being watched: changes of state become execution events; an
    /// ended task gets its last messages, its final execution and its end.
    private func poll() {
        lock.lock()
        let names = Set(watched.values.map(\.submission)).filter { !$0.isEmpty }.sorted()
        let watching = !watched.isEmpty
        lock.unlock()
        guard watching else { return }
        let tasks: [SlurmTask]
        do {
            // (A job recorded without a submission cannot be found in the queue: it is judged as missing.)
            tasks = names.isEmpty ? [] : try queue.tasks(named: names)
        } catch {
            lock.lock()
            if !queueFailing { events.append(.notice("squeue does not answer (\(error)); the tasks go on, and exp run asks again")) }
            queueFailing = true
            lock.unlock()
            return
        }
        lock.lock()
        defer { lock.unlock() }
        if queueFailing { events.append(.notice("squeue answers again")) }
        queueFailing = false
        var byTask: [TaskKey: SlurmTask] = [:]
        var unstarted: [String: SlurmTask] = [:]
        for t in tasks {
            if let i = t.arrayIndex { byTask[TaskKey(submission: t.name, index: i)] = t } else { unstarted[t.name] = t }
        }
        var gone: [String] = []
        for job in watchedJobs {
            let w = watched[job]!
            if let t = byTask[TaskKey(submission: w.submission, index: w.index)] ?? unstarted[w.submission] {
                watched[job]!.missing = 0
                var record = w.reported
                record.arrayJobID = t.arrayJobID
                record.state = t.state
                record.node = t.node ?? record.node
                record.reason = t.reason
                record.requeues = max(record.requeues, t.restarts)
                record.exitCode = t.isFinal ? t.exitCode : nil
                if t.isFinal {
                    finish(job, task: t, record: record)
                } else {
                    if t.isHeld && !(w.reported.state == t.state && w.reported.reason == t.reason) {
                        events.append(.notice("the Slurm task \(t.arrayJobID)_\(w.index) is held (\(t.state)"
                            + (t.reason.map { ", \($0)" } ?? "") + "): `scontrol release \(t.jobID)` lets it run, `scancel \(t.jobID)` ends it"))
                    }
                    report(job, record)
                }
            } else {
                // Missing twice in a row (a submitted array shows at once; one empty answer is not enough).
                watched[job]!.missing += 1
                if watched[job]!.missing >= 2 { gone.append(job) }
            }
        }
        judgeMissing(gone)
    }

    /// Tasks squeue no longer shows (they ended more than MinJobAge ago, or were never submitted):
    /// sacct tells when it answers; otherwise the messages file does: a final line ends the job as
    /// the worker said, no final line leaves it interrupted so that a rerun resumes it.
    private func judgeMissing(_ jobs: [String]) {
        guard !jobs.isEmpty else { return }
        let accounted = queue.accounting(arrays: Set(jobs.compactMap { watched[$0]?.arrayJobID }).sorted())
        for job in jobs {
            guard let w = watched[job] else { continue }
            if let id = w.arrayJobID, let t = accounted["\(id)_\(w.index)"], t.isFinal {
                var record = w.reported
                record.state = t.state
                record.node = t.node ?? record.node
                record.exitCode = t.exitCode
                finish(job, task: t, record: record)
                continue
            }
            drain(job)
            var record = w.reported
            let final = watched[job]?.finalLine
            record.state = nil
            record.reason = w.arrayJobID == nil ? "never seen in squeue" : "left squeue before exp run saw it end"
            let hasCheckpoint = w.checkpoint.map { FileManager.default.fileExists(atPath: (results as NSString).appendingPathComponent($0)) } ?? true
            let reason = w.arrayJobID == nil
                ? "the Slurm submission \(w.submission) was never seen in the queue; run the same command again to submit the job"
                : "the Slurm task \(taskName(w)) left the queue before exp run saw it end, and its messages file "
                    + "\(w.tail.path) has no final line; run the same command again to "
                    + (hasCheckpoint ? "resume it from its last checkpoint" : "run it (it had no checkpoint yet: it restarts from the beginning)")
            unwatch(job)
            events.append(.execution(job: job, record))
            events.append(.exited(job: job, status: final == .completed ? 0 : 1, stderrTail: stderrTail(w, job: job),
                                  verdict: final == nil ? ExecutorVerdict(status: .interrupted, reason: reason) : nil))
        }
    }

    /// A task Slurm says has ended: its last messages, its final execution, its end.
    private func finish(_ job: String, task t: SlurmTask, record: ExecutionRecord) {
        drain(job)
        guard let w = unwatch(job) else { return }
        if w.reported != record { events.append(.execution(job: job, record)) }
        events.append(.exited(job: job, status: t.exitStatus, stderrTail: stderrTail(w, job: job), verdict: verdict(t, w, job: job)))
    }

    /// How Slurm's final state decides the job (`SlurmVerdict`).
    private func verdict(_ t: SlurmTask, _ w: Watched, job: String) -> ExecutorVerdict? {
        let wroteNothing = !FileManager.default.fileExists(atPath: w.tail.path)
            && !FileManager.default.fileExists(atPath: SlurmSubmission.stderrFile(folder: w.folder, job: job))
        let hasCheckpoint = w.checkpoint.map { FileManager.default.fileExists(atPath: (results as NSString).appendingPathComponent($0)) } ?? true
        return SlurmVerdict.of(t, task: taskName(w), options: options, cancelledByThisRun: stopped && t.node == nil,
                               wroteNothing: wroteNothing, hasCheckpoint: hasCheckpoint, results: results, folder: w.folder)
    }

    private func taskName(_ w: Watched) -> String {
        w.arrayJobID.map { "\($0)_\(w.index)" } ?? "\(w.submission) #\(w.index)"
    }

    /// The last lines of the task's stderr file.
    private func stderrTail(_ w: Watched, job: String) -> String {
        let path = SlurmSubmission.stderrFile(folder: w.folder, job: job)
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 16_384 ? size - 16_384 : 0)
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(stderrLines + 1).joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A task of an array: its submission (the array's job name) and index.
private struct TaskKey: Hashable {
    var submission: String
    var index: Int
}
