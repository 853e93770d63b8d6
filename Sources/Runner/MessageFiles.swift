// The file transport of the worker protocol (Slurm tasks): a worker appends its `WorkerMessage`
// lines to a file of its own in the results folder, and the coordinator tails the file. Each line
// is one write(2) followed by fsync, so a line is whole on disk before the worker goes on and a
// worker killed at any moment loses at most the line it was writing. The reader keeps an offset
// per file and checks the file's size before reading, so it reads each byte once.

import Foundation
import RunLog

public enum MessageFileError: Error, CustomStringConvertible {
    /// The messages file cannot be opened for appending on this node.
    case cannotOpen(path: String, node: String, reason: String, missingFolder: String?)
    case cannotWrite(path: String, node: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let node, let reason, let missing):
            let unreachable = missing.map { "the folder \($0) does not exist on node \(node)" } ?? reason
            return "cannot open the messages file \(path) on node \(node): \(unreachable). The results folder must be on a filesystem "
                + "shared by the submitting host and every node, at the same path (README: Running on a Slurm cluster)"
        case .cannotWrite(let path, let node, let reason):
            return "cannot write to the messages file \(path) on node \(node): \(reason)"
        }
    }
}

/// Appends a worker's messages to its file, one fsynced line each.
public final class MessageFileWriter {
    public let path: String
    private let fd: Int32

    /// Opens (creating) the file for appending. A last line left torn by an attempt that was killed
    /// mid-write (before Slurm requeued the task) is ended first, so the next line stands alone.
    public init(path: String) throws {
        self.path = path
        fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw MessageFileError.cannotOpen(path: path, node: hostName(), reason: reason, missingFolder: MessageFileWriter.missingFolder(of: path))
        }
        let size = lseek(fd, 0, SEEK_END)
        var last: UInt8 = 0x0A
        if size > 0 && pread(fd, &last, 1, size - 1) == 1 && last != 0x0A { try append([0x0A]) }
    }

    deinit { close(fd) }

    /// Appends the message's line. On a full disk it waits for space (saying so on stderr, which
    /// Slurm keeps in the task's log), the torn part of the line cut off first, then writes it
    /// whole; `shouldStop` ends the wait (throwing `DiskSpace.Full`).
    public func send(_ message: WorkerMessage, shouldStop: () -> Bool = { false }) throws {
        let bytes = Array(message.line().utf8)
        try DiskSpace.retrying(path, needed: bytes.count, shouldStop: shouldStop,
                               onFull: { FileHandle.standardError.write(Data("paused: \($0)\n".utf8)) }) {
            let size = lseek(fd, 0, SEEK_END)
            do { try append(bytes) } catch {
                if size >= 0 { _ = ftruncate(fd, size) }
                throw error
            }
        }
    }

    private func append(_ bytes: [UInt8]) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw MessageFileError.cannotWrite(path: path, node: hostName(), reason: String(cString: strerror(errno)))
            }
            done += n
        }
        if fsync(fd) != 0 && errno != EINVAL {
            throw MessageFileError.cannotWrite(path: path, node: hostName(), reason: String(cString: strerror(errno)))
        }
    }

    /// The outermost folder on the way to `path` that does not exist (nil when its folder exists).
    static func missingFolder(of path: String) -> String? {
        var folder = (path as NSString).deletingLastPathComponent
        var missing: String?
        while !folder.isEmpty && folder != "/" && !FileManager.default.fileExists(atPath: folder) {
            missing = folder
            folder = (folder as NSString).deletingLastPathComponent
        }
        return missing
    }
}

/// Reads the messages appended to a file since the last read. The file need not exist yet.
public final class MessageTail {
    public let path: String
    /// `path` as C text, made once (each read of thousands of files starts with its stat).
    private let cPath: [CChar]
    /// Bytes of the file read so far (a last line without its newline waits in memory for its end).
    public private(set) var offset: Int64 = 0
    private var partial: [UInt8] = []
    /// When `readIfDue` last found an epoch line, and until when it leaves the file alone.
    private var lastEpochRead: Double?
    public private(set) var quietUntil = -Double.infinity

    public init(path: String) {
        self.path = path
        cPath = Array(path.utf8CString)
    }

    /// `read()` when the file is due, else nothing. A worker writes an epoch line per epoch, so
    /// a file in which a read found one epoch line, the previous found one too, is left alone
    /// for half the time between those two reads: for steady epochs, half the stats of a task's
    /// file, and a line comes no later, since the next one is not written before then. A read
    /// that finds no epoch line, or more than one (the reads were late), sets no pause. Only a
    /// line written sooner than half the last epoch's time after the last waits longer, by at
    /// most that half; the end of a task, known from Slurm, is read with `read()` at once.
    public func readIfDue(now: Double) -> [WorkerMessage] {
        guard now >= quietUntil else { return [] }
        let messages = read()
        let epochs = messages.reduce(0) { n, m in if case .epoch = m { return n + 1 } else { return n } }
        if epochs == 1, let last = lastEpochRead {
            quietUntil = now + (now - last) / 2
        } else {
            quietUntil = -.infinity
        }
        if epochs > 0 { lastEpochRead = epochs == 1 ? now : nil }
        return messages
    }

    /// Whether the file exists (the task has started writing).
    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// The messages in the lines completed since the last call. One stat(2) when nothing was
    /// appended; otherwise one open, a read of the new bytes only, and a close. Lines that are not
    /// messages (a line torn by a killed attempt) are skipped.
    public func read() -> [WorkerMessage] {
        var info = stat()
        guard stat(cPath, &info) == 0 else { return [] }
        let size = Int64(info.st_size)
        if size < offset {
            // The file was replaced by a shorter one: read it from its start.
            offset = 0
            partial = []
        }
        guard size > offset else { return [] }
        let fd = open(cPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: Int(size - offset))
        var got = 0
        while got < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, $0.count - got, off_t(offset) + off_t(got)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        offset += Int64(got)
        partial += bytes[0..<got]
        var messages: [WorkerMessage] = []
        var start = 0
        while let nl = partial[start...].firstIndex(of: 0x0A) {
            let line = String(decoding: partial[start..<nl], as: UTF8.self)
            if let m = WorkerMessage.parse(Substring(line)) { messages.append(m) }
            start = nl + 1
        }
        partial.removeFirst(start)
        return messages
    }
}
