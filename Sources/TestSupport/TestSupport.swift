// Helpers every test target shares (tests only): a temporary folder that cleans up after itself
// and the package root, from which tests find the shipped specs, docs and the real-data folder.

import Foundation

/// A fresh empty folder under the system temporary directory, removed by `remove()` or when the
/// value is released.
public final class TemporaryFolder {
    public let path: String

    public init(prefix: String = "exp-tests") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { remove() }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// The absolute path of `relative`, creating its parent folders.
    public func file(_ relative: String) throws -> String {
        let full = (path as NSString).appendingPathComponent(relative)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        return full
    }

    @discardableResult
    public func write(_ relative: String, text: String) throws -> String {
        let full = try file(relative)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
        return full
    }

    @discardableResult
    public func write(_ relative: String, bytes: [UInt8]) throws -> String {
        let full = try file(relative)
        _ = FileManager.default.createFile(atPath: full, contents: Data(bytes))
        return full
    }
}

/// The package root (this file is Sources/TestSupport/TestSupport.swift).
public func repositoryRoot() -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}
