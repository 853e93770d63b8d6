// DiskSpace: what the writers of a results folder (the coordinator's run log, a worker's checkpoints
// and sample grids, a Slurm task's messages file) do when its filesystem is full: they recognise the
// error, say which filesystem is full and how much it needs, and wait for space instead of failing,
// checking every `pollSeconds`; the write is then made again, whole. A fault injector stands in for
// a full disk in tests and `make chaos`: while the file named by `EXP_FAULT_DISK_FULL` exists,
// every guarded write fails as on a full disk and the free space reads 0.

import Foundation
import GRDB

public enum DiskSpace {
    /// The fault injector's environment variable (a file path).
    public static let faultVariable = "EXP_FAULT_DISK_FULL"
    /// Seconds between two checks of the free space while a write waits (`EXP_DISK_POLL_SECONDS`, default 5).
    public static var pollSeconds: Double {
        ProcessInfo.processInfo.environment["EXP_DISK_POLL_SECONDS"].flatMap(Double.init).map { max(0.05, $0) } ?? 5
    }

    /// A write that found no space: the file, and the bytes it needed (0 when unknown).
    public struct Full: Error, CustomStringConvertible {
        public var path: String
        public var needed: Int
        public init(path: String, needed: Int) {
            self.path = path
            self.needed = needed
        }
        public var description: String { "\(path): No space left on device" }
    }

    /// The fault injector's flag file, read once (nil: no fault injected, and nothing to check).
    static let faultFlag: String? = ProcessInfo.processInfo.environment[faultVariable].flatMap { $0.isEmpty ? nil : $0 }

    /// Whether the fault injector says the disk is full now.
    public static var injectedFull: Bool {
        guard let faultFlag else { return false }
        return access(faultFlag, F_OK) == 0
    }

    /// Throws `Full` for `path` while the fault injector says the disk is full.
    public static func checkInjected(_ path: String, needed: Int = 0) throws {
        if injectedFull { throw Full(path: path, needed: needed) }
    }

    /// Whether `error` says a filesystem is full (or over quota).
    public static func isFull(_ error: Error) -> Bool {
        switch error {
        case is Full: return true
        case let e as DatabaseError: return e.resultCode == .SQLITE_FULL
        case let e as POSIXError: return e.code == .ENOSPC || e.code == .EDQUOT
        case let e as CocoaError: return e.code == .fileWriteOutOfSpace
        default:
            let text = String(describing: error)
            return text.contains("No space left on device") || text.contains("Disk quota exceeded")
                || text.contains("database or disk is full")
        }
    }

    /// Free bytes for an unprivileged writer on the filesystem of `path` (or of its nearest
    /// existing folder); 0 while the fault injector says the disk is full.
    public static func freeBytes(at path: String) -> Int? {
        if injectedFull { return 0 }
        var info = statvfs()
        guard statvfs(existingFolder(of: path), &info) == 0 else { return nil }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// The mount point of the filesystem holding `path` (/proc/self/mounts; "/" where unknown).
    public static func filesystem(of path: String) -> String {
        let target = URL(fileURLWithPath: existingFolder(of: path)).resolvingSymlinksInPath().path
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return "/" }
        let points = mounts.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            return fields.count > 1 ? String(fields[1]).replacingOccurrences(of: "\\040", with: " ") : nil
        }
        return points.filter { target == $0 || target.hasPrefix($0 == "/" ? "/" : $0 + "/") }.max { $0.count < $1.count } ?? "/"
    }

    /// "the filesystem /mnt/results (3.2 MB free) is full: PATH needs about 57 MB", for a waiting writer.
    public static func message(_ path: String, needed: Int) -> String {
        let free = freeBytes(at: path).map { "\(Bytes.text($0)) free" } ?? "free space unknown"
        return "the filesystem \(filesystem(of: path)) (\(free)) is full: \(path) needs "
            + (needed > 0 ? "about \(Bytes.text(needed))" : "more space")
    }

    /// Waits until `needed` bytes (at least 1 MB) are free at `path` and the fault injector is off,
    /// checking every `pollSeconds`; returns false as soon as `shouldStop` says so.
    public static func waitForSpace(at path: String, needed: Int, shouldStop: () -> Bool) -> Bool {
        while true {
            if shouldStop() { return false }
            if !injectedFull, let free = freeBytes(at: path), free >= max(needed, 1 << 20) { return true }
            let until = Date().addingTimeInterval(pollSeconds)
            while Date() < until {
                if shouldStop() { return false }
                Thread.sleep(forTimeInterval: min(0.1, pollSeconds))
            }
        }
    }

    /// Runs `write` until it succeeds, waiting for space each time it fails for a full disk (an
    /// error that says so, or any failure while less than `needed` bytes, at least 1 MB, are free
    /// there: encoders do not always say why a write failed); `onFull` hears of each wait first.
    /// Other errors pass through. Throws `Full` when `shouldStop` ends a wait.
    public static func retrying<T>(_ path: String, needed: Int, shouldStop: () -> Bool, onFull: (String) -> Void,
                                   _ write: () throws -> T) throws -> T {
        while true {
            do {
                try checkInjected(path, needed: needed)
                return try write()
            } catch where isFull(error) || (freeBytes(at: path) ?? .max) < max(needed, 1 << 20) {
                onFull(message(path, needed: needed))
                if !waitForSpace(at: path, needed: needed, shouldStop: shouldStop) { throw Full(path: path, needed: needed) }
            }
        }
    }

    static func existingFolder(of path: String) -> String {
        var folder = path
        while !FileManager.default.fileExists(atPath: folder) && folder != "/" && !folder.isEmpty {
            folder = (folder as NSString).deletingLastPathComponent
        }
        return folder.isEmpty ? "." : folder
    }
}

/// Sizes in bytes as people read them (decimal units).
public enum Bytes {
    public static func text(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes), unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }
}
