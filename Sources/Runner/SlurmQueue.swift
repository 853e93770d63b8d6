// What `exp` asks of Slurm, through its command-line tools only (sbatch, squeue, scancel,
// scontrol, and sacct when an accounting database answers): submit an array, read the state of
// its tasks, cancel or signal them. The tools run through `SlurmCommands`, which tests replace.

import Foundation

/// Runs one Slurm tool and returns its standard output; throws `SlurmError.failed` with its
/// standard error when it exits non-zero or cannot be started.
public protocol SlurmCommands: Sendable {
    func run(_ tool: String, _ arguments: [String]) throws -> String
}

public enum SlurmError: Error, CustomStringConvertible, Equatable {
    case failed(command: String, status: Int32, stderr: String)
    case notInstalled(tool: String)
    case unexpectedOutput(command: String, output: String)
    /// The cluster does not answer `exp run --executor slurm`'s first question.
    case unreachable(detail: String)

    public var description: String {
        switch self {
        case .failed(let command, let status, let stderr):
            let text = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return "`\(command)` exited with status \(status)" + (text.isEmpty ? "" : ": \(text)")
        case .notInstalled(let tool):
            return "\(tool) is not installed or not on PATH: --executor slurm needs Slurm's client commands "
                + "(Debian: apt-get install slurm-client) and a cluster to talk to (SLURM_CONF or /etc/slurm/slurm.conf)"
        case .unexpectedOutput(let command, let output):
            return "`\(command)` printed \(output.debugDescription), which exp cannot read"
        case .unreachable(let detail):
            return "--executor slurm: Slurm does not answer (\(detail)); check that this host is a Slurm submit host and that "
                + "SLURM_CONF (or /etc/slurm/slurm.conf) names the cluster; nothing was written: no job was submitted, and no results folder, "
                + "run log or lock file was made"
        }
    }
}

/// The real tools, found on PATH. A tool that has not answered after `timeout` seconds is killed
/// (scontrol and squeue retry for a minute when the controller or its configuration is missing).
public struct SlurmCLI: SlurmCommands {
    public var timeout: Double

    public init(timeout: Double = 20) { self.timeout = timeout }

    public func run(_ tool: String, _ arguments: [String]) throws -> String {
        guard let url = SlurmCLI.find(tool) else { throw SlurmError.notInstalled(tool: tool) }
        let command = ([tool] + arguments).joined(separator: " ")
        if let conf = ProcessInfo.processInfo.environment["SLURM_CONF"], !FileManager.default.fileExists(atPath: conf) {
            throw SlurmError.failed(command: command, status: 1, stderr: "SLURM_CONF names \(conf), which does not exist")
        }
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        let ended = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in ended.signal() }
        try p.run()
        // Both pipes are drained at once: a tool that fills one while we wait on the other never blocks.
        let errorText = StderrTail(limit: 50), outputText = OutputBuffer()
        let drained = DispatchGroup()
        DispatchQueue.global().async(group: drained) { errorText.read(err.fileHandleForReading) }
        DispatchQueue.global().async(group: drained) { outputText.read(out.fileHandleForReading) }
        if ended.wait(timeout: .now() + timeout) == .timedOut {
            kill(p.processIdentifier, SIGKILL)
            _ = ended.wait(timeout: .now() + 5)
            throw SlurmError.failed(command: command, status: -1, stderr: "no answer after \(Int(timeout)) s")
        }
        drained.wait()
        guard p.terminationStatus == 0 else {
            throw SlurmError.failed(command: command, status: p.terminationStatus, stderr: errorText.text)
        }
        return outputText.text
    }

    static func find(_ tool: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(folder)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        return nil
    }
}

/// Everything a stream produced.
final class OutputBuffer: @unchecked Sendable {
    private var data = Data()
    private let lock = NSLock()

    func read(_ handle: FileHandle) {
        let all = handle.readDataToEndOfFile()
        lock.lock()
        data = all
        lock.unlock()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}

/// One array task as `squeue -r` shows it (or the array's record for its tasks that were never
/// started, index nil, e.g. pending ones cancelled together).
public struct SlurmTask: Equatable, Sendable {
    public var arrayJobID: Int64
    public var arrayIndex: Int?
    public var jobID: Int64
    public var state: String
    public var node: String?
    public var reason: String?
    public var restarts: Int
    /// The wait status Slurm reports (`exit_code`): exit code in bits 8-15, signal in bits 0-6.
    public var waitStatus: Int32
    public var name: String

    public init(arrayJobID: Int64, arrayIndex: Int?, jobID: Int64, state: String, node: String?, reason: String?, restarts: Int,
                waitStatus: Int32, name: String) {
        self.arrayJobID = arrayJobID
        self.arrayIndex = arrayIndex
        self.jobID = jobID
        self.state = state
        self.node = node
        self.reason = reason
        self.restarts = restarts
        self.waitStatus = waitStatus
        self.name = name
    }

    /// The exit status as a shell reports it: the code, or 128 + the signal that ended the task.
    public var exitStatus: Int32 { waitStatus & 0x7F != 0 ? 128 + (waitStatus & 0x7F) : (waitStatus >> 8) & 0xFF }
    /// As Slurm prints it: `code:signal`.
    public var exitCode: String { "\((waitStatus >> 8) & 0xFF):\(waitStatus & 0x7F)" }
    /// Whether the task has ended for good (it may still be requeued by hand, which `scontrol
    /// requeue` does only to ended tasks in a state that allows it).
    public var isFinal: Bool { SlurmTask.finalStates.contains(state) }

    /// Whether the task waits for someone to release it (held by a user or an admin, or requeued held).
    public var isHeld: Bool {
        state == "REQUEUE_HOLD" || state == "SPECIAL_EXIT" || (reason ?? "").hasPrefix("JobHeld")
    }

    /// Slurm's job states that end a task; every other state (PENDING, RUNNING, REQUEUED,
    /// COMPLETING, SUSPENDED, ...) means it may still run.
    public static let finalStates: Set<String> = [
        "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED",
    ]
}

/// The Slurm operations exp uses, on top of `SlurmCommands`.
public struct SlurmQueue: Sendable {
    public let commands: SlurmCommands
    public init(commands: SlurmCommands = SlurmCLI()) { self.commands = commands }

    /// The fields asked of squeue, in order (`-O`, `|` after each, no padding).
    static let fields = ["ArrayJobID", "ArrayTaskID", "JobID", "State", "NodeList", "Reason", "RestartCnt", "exit_code", "Name"]

    /// Submits `script` with `arguments` (sbatch options) and returns the job id (`--parsable`).
    public func submit(script: String, arguments: [String]) throws -> Int64 {
        let out = try commands.run("sbatch", ["--parsable"] + arguments + [script])
        let first = out.split(separator: "\n").last.map { String($0.split(separator: ";")[0]) } ?? ""
        guard let id = Int64(first.trimmingCharacters(in: .whitespaces)) else {
            throw SlurmError.unexpectedOutput(command: "sbatch --parsable", output: out)
        }
        return id
    }

    /// Every task of the jobs with these names, in any state Slurm still remembers (`-t all`:
    /// ended tasks stay for MinJobAge seconds), one line per array task (`-r`).
    public func tasks(named names: [String]) throws -> [SlurmTask] {
        guard !names.isEmpty else { return [] }
        let format = SlurmQueue.fields.map { "\($0):|" }.joined(separator: ",")
        let out = try commands.run("squeue", ["-r", "-h", "-t", "all", "-n", names.joined(separator: ","), "-O", format])
        return out.split(separator: "\n").compactMap(SlurmQueue.parse)
    }

    /// One line of `squeue -O` with `fields`; nil for anything else.
    public static func parse(_ line: Substring) -> SlurmTask? {
        // Split and trimmed on the line's UTF-8 bytes (splitting a String by Characters, or
        // Foundation's CharacterSet trimming, cost more than the rest of the poll at thousands of
        // tasks); every separator and blank is ASCII, so the fields are whole characters.
        let parts = line.utf8.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false).map { u -> String in
            var start = u.startIndex, end = u.endIndex
            while start < end && (u[start] == 32 || u[start] == 9) { start = u.index(after: start) }
            while start < end, case let before = u.index(before: end), u[before] == 32 || u[before] == 9 { end = before }
            return String(Substring(u[start..<end]))
        }
        guard parts.count >= fields.count, let array = Int64(parts[0]), let job = Int64(parts[2]) else { return nil }
        func text(_ s: String) -> String? { s.isEmpty || s == "None" || s == "(null)" || s == "N/A" ? nil : s }
        return SlurmTask(arrayJobID: array, arrayIndex: Int(parts[1]), jobID: job, state: parts[3], node: text(parts[4]),
                         reason: text(parts[5]), restarts: Int(parts[6]) ?? 0, waitStatus: Int32(parts[7]) ?? 0, name: parts[8])
    }

    /// Ended tasks of these arrays from Slurm's accounting database, by array and index; empty
    /// when `sacct` does not answer (no accounting storage, as on many small clusters).
    public func accounting(arrays: [Int64]) -> [String: SlurmTask] {
        guard !arrays.isEmpty,
              let out = try? commands.run("sacct", ["-n", "-P", "-X", "-j", arrays.map(String.init).joined(separator: ","),
                                                    "-o", "JobID,State,ExitCode,NodeList,JobName"])
        else { return [:] }
        var tasks: [String: SlurmTask] = [:]
        for line in out.split(separator: "\n") {
            let p = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard p.count >= 5 else { continue }
            let id = p[0].split(separator: "_")
            guard id.count == 2, let array = Int64(id[0]), let index = Int(id[1]) else { continue }
            // sacct says "CANCELLED by 0" and "code:signal".
            let state = String(p[1].split(separator: " ").first ?? "")
            let codes = p[2].split(separator: ":").compactMap { Int32($0) }
            let wait = codes.count == 2 ? (codes[0] << 8) | codes[1] : 0
            tasks["\(array)_\(index)"] = SlurmTask(arrayJobID: array, arrayIndex: index, jobID: array, state: state,
                                                   node: p[3].isEmpty || p[3] == "None assigned" ? nil : p[3], reason: nil,
                                                   restarts: 0, waitStatus: wait, name: p[4])
        }
        return tasks
    }

    /// Cancels the pending tasks of these arrays and sends SIGINT to the running ones' batch
    /// shells (the workers, which `exec` from it): they finish their epoch, checkpoint and stop.
    public func stop(arrays: [Int64]) {
        guard !arrays.isEmpty else { return }
        let ids = arrays.map(String.init)
        _ = try? commands.run("scancel", ["--state=PENDING"] + ids)
        _ = try? commands.run("scancel", ["--batch", "--signal=INT", "--state=RUNNING"] + ids)
    }

    /// `MaxArraySize` of `scontrol show config`: array indexes run from 0 to this minus 1.
    public func maxArraySize() throws -> Int {
        let out = try commands.run("scontrol", ["show", "config"])
        for line in out.split(separator: "\n") {
            let kv = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0] == "MaxArraySize", let n = Int(kv[1]) { return n }
        }
        throw SlurmError.unexpectedOutput(command: "scontrol show config", output: "no MaxArraySize line")
    }
}
