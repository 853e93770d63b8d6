// RunLogChanges: a cheap answer to "has the run log changed since I last looked?", for readers
// that poll (`exp serve`). One read-only connection is kept open; SQLite's `PRAGMA data_version`
// on it changes whenever another connection commits (also in WAL mode), and the file's inode
// tells a log replaced by a new one. Reading it costs no query of the tables.

import Foundation
import GRDB

public final class RunLogChanges: @unchecked Sendable {
    /// Identifies one state of the log: equal stamps, equal contents.
    public struct Stamp: Hashable, Sendable {
        public var inode: UInt64
        public var dataVersion: Int

        public init(inode: UInt64, dataVersion: Int) {
            self.inode = inode
            self.dataVersion = dataVersion
        }
    }

    public let path: String
    private let lock = NSLock()
    private var queue: DatabaseQueue?
    private var inode: UInt64?

    public init(path: String) {
        self.path = path
    }

    /// The log's present stamp, or nil when it does not exist or cannot be read (callers then
    /// read it afresh every time).
    public func stamp() -> Stamp? {
        lock.lock()
        defer { lock.unlock() }
        var info = stat()
        guard stat(path, &info) == 0 else {
            queue = nil
            return nil
        }
        let currentInode = UInt64(info.st_ino)
        if queue == nil || inode != currentInode {
            var config = Configuration()
            config.readonly = true
            config.busyMode = .timeout(1)
            config.label = "exp.runlog.changes"
            queue = try? DatabaseQueue(path: path, configuration: config)
            inode = currentInode
        }
        guard let queue, let version = try? queue.read({ try Int.fetchOne($0, sql: "PRAGMA data_version") }) else {
            self.queue = nil
            return nil
        }
        return Stamp(inode: currentInode, dataVersion: version)
    }
}
