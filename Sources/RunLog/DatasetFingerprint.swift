// DatasetFingerprint: a SHA-256 that changes when a dataset's files change, without reading their
// contents: one line "relative/path<TAB>size<TAB>mtime-seconds<LF>" per regular file, sorted by
// path bytes, hashed. Hidden files (names starting with ".") are skipped.

import Foundation
import Hashing
import Spec

public enum DatasetFingerprint {
    /// One file's identity for the fingerprint.
    public struct Entry: Equatable, Sendable {
        public var path: String
        public var size: Int64
        /// Whole seconds since 1970; nil when only (path, size) pairs are given.
        public var modified: Int64?

        public init(path: String, size: Int64, modified: Int64? = nil) {
            self.path = path
            self.size = size
            self.modified = modified
        }
    }

    /// Fingerprint of given entries (order does not matter). Entries without a time are written
    /// with "-" in its place.
    public static func of(_ entries: [Entry]) -> String {
        let sorted = entries.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        var hasher = SHA256()
        for entry in sorted {
            hasher.update("\(entry.path)\t\(entry.size)\t\(entry.modified.map(String.init) ?? "-")\n")
        }
        return SHA256.hexString(hasher.finalize())
    }

    /// Fingerprint of every regular file under `root` (or of `root` itself when it is a file,
    /// such as a CSV manifest).
    /// - Throws: `SpecError.file` when `root` does not exist.
    public static func ofDirectory(_ root: String) throws -> String {
        try of(entries(under: root))
    }

    public static func entries(under root: String) throws -> [Entry] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDirectory) else {
            throw SpecError.file(path: root, reason: "dataset root does not exist; set dataset.root in the spec or with --set dataset.root=PATH")
        }
        let rootURL = URL(fileURLWithPath: root).standardizedFileURL
        if !isDirectory.boolValue {
            return [try entry(rootURL, relativePath: rootURL.lastPathComponent)]
        }
        guard let enumerator = fm.enumerator(
            at: rootURL, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey],
            options: [.skipsHiddenFiles])
        else { return [] }
        let prefix = rootURL.path.hasSuffix("/") ? rootURL.path : rootURL.path + "/"
        var result: [Entry] = []
        for case let url as URL in enumerator {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey])
            guard values.isRegularFile == true else { continue }
            let full = url.standardizedFileURL.path
            let relative = full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : url.lastPathComponent
            result.append(try entry(url, relativePath: relative))
        }
        return result
    }

    private static func entry(_ url: URL, relativePath: String) throws -> Entry {
        let values = try url.resourceValues(forKeys: [.fileSizeKey, .contentModificationDateKey])
        let modified = values.contentModificationDate.map { Int64($0.timeIntervalSince1970.rounded(.down)) }
        return Entry(path: relativePath, size: Int64(values.fileSize ?? 0), modified: modified)
    }
}
