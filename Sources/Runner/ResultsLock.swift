// One coordinator per results folder: an exclusive, non-blocking flock on `<results>/.exp-run.lock`.
// The kernel releases it when the process dies, even by kill -9, so a crash never leaves a stale lock.

import Foundation

public struct ResultsFolderBusy: Error, CustomStringConvertible {
    public var folder: String
    public var holder: String
    public var description: String {
        "another `exp run` (\(holder)) is using the results folder \(folder); wait for it to finish, or pass another --results folder"
    }
}

public struct ResultsFolderUnwritable: Error, CustomStringConvertible {
    public var folder: String
    public var reason: String
    public var description: String { "cannot write to the results folder \(folder): \(reason); choose another with --results" }
}

public final class ResultsLock {
    private let fd: Int32
    public let path: String

    /// Takes the lock or throws `ResultsFolderBusy` at once.
    public init(folder: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ResultsFolderUnwritable(folder: folder, reason: "cannot create it")
        }
        path = (folder as NSString).appendingPathComponent(".exp-run.lock")
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ResultsFolderUnwritable(folder: folder, reason: String(cString: strerror(errno))) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
            close(fd)
            throw ResultsFolderBusy(folder: folder, holder: holder.isEmpty ? "unknown process" : holder)
        }
        let note = "pid \(getpid())\n"
        ftruncate(fd, 0)
        _ = note.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
