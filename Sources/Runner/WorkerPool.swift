// The local executor: each job runs in its own `exp worker` process on this host, whose stdout
// carries `WorkerMessage` lines and whose stderr is kept (last lines) for the error text of a
// crash. The pool turns both into one ordered stream of events for the coordinator: all of a
// worker's messages, then its exit. Workers die with the coordinator (PR_SET_PDEATHSIG).

import Foundation
import RunLog

/// A blocking FIFO of events shared by the reader threads and the coordinator, holding at most
/// `capacity` events: while the coordinator waits (for a locked run log, say), the workers'
/// reports queue here; when it is full, the reader threads stop reading, the pipes fill and the
/// workers wait on their next write. Nothing is dropped, and memory stays bounded.
final class EventQueue: @unchecked Sendable {
    private var items: [WorkerEvent] = []
    private let condition = NSCondition()
    let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = capacity }

    func push(_ e: WorkerEvent) {
        condition.lock()
        while items.count >= capacity { condition.wait() }
        items.append(e)
        condition.broadcast()
        condition.unlock()
    }

    /// The next event, waiting at most `timeout` seconds (nil on timeout).
    func pop(timeout: Double) -> WorkerEvent? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while items.isEmpty {
            if !condition.wait(until: deadline) { return nil }
        }
        let first = items.removeFirst()
        condition.broadcast()
        return first
    }
}

public final class WorkerPool: Executor, @unchecked Sendable {
    public let executable: URL
    /// Worker processes at once (`exp run --jobs`).
    public let capacity: Int
    private let events = EventQueue()
    private var processes: [String: Process] = [:]
    private let lock = NSLock()
    /// Lines of stderr kept per worker for the error text of a crash.
    public var stderrLines = 30

    public init(executable: URL, capacity: Int = 1) {
        self.executable = executable
        self.capacity = capacity
    }

    /// The running executable (to start workers of the same build).
    public static var currentExecutable: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    }

    public var runningCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return processes.count
    }

    /// Local workers die with the coordinator that started them, so a job an earlier `exp run` left
    /// running with a local execution is not running any more: nothing is adopted. A job handed
    /// to another executor (Slurm) may still run there: that is an error naming the jobs.
    public func adopt(_ executions: [String: ExecutionRecord]) throws -> Set<String> {
        let elsewhere = executions.filter { $0.value.executor != "local" }
        guard elsewhere.isEmpty else { throw ExecutorError.liveElsewhere(elsewhere) }
        return []
    }

    /// Starts a worker for `job` with the given arguments.
    @discardableResult
    public func launch(job: String, arguments: [String], environment: [String: String] = [:]) throws -> ExecutionRecord {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        lock.lock()
        processes[job] = p
        lock.unlock()

        let tail = StderrTail(limit: stderrLines)
        let stderrDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            tail.read(err.fileHandleForReading)
            stderrDone.signal()
        }
        Thread.detachNewThread { [events, weak self] in
            var buffer = Data()
            let handle = out.fileHandleForReading
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let nl = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...nl)
                    if let m = WorkerMessage.parse(Substring(line)) { events.push(.message(job: job, m)) }
                }
            }
            p.waitUntilExit()
            stderrDone.wait()
            let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
            self?.remove(job)
            events.push(.exited(job: job, status: status, stderrTail: tail.text, verdict: nil))
        }
        return ExecutionRecord(executor: "local", node: hostName())
    }

    private func remove(_ job: String) {
        lock.lock()
        processes[job] = nil
        lock.unlock()
    }

    /// The next event, or nil after `timeout` seconds without one.
    public func nextEvent(timeout: Double) -> WorkerEvent? { events.pop(timeout: timeout) }

    /// Asks every worker to checkpoint and stop (SIGINT).
    public func interruptAll() {
        lock.lock()
        let ps = Array(processes.values)
        lock.unlock()
        for p in ps where p.isRunning { kill(p.processIdentifier, SIGINT) }
    }
}

/// Keeps the last `limit` lines a stream produced.
final class StderrTail: @unchecked Sendable {
    private var lines: [String] = []
    private var partial = ""
    private let limit: Int
    private let lock = NSLock()

    init(limit: Int) { self.limit = limit }

    func read(_ handle: FileHandle) {
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            lock.lock()
            partial += String(decoding: chunk, as: UTF8.self)
            var parts = partial.components(separatedBy: "\n")
            partial = parts.removeLast()
            lines += parts
            if lines.count > limit { lines.removeFirst(lines.count - limit) }
            lock.unlock()
        }
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return (lines + (partial.isEmpty ? [] : [partial])).joined(separator: "\n")
    }
}
