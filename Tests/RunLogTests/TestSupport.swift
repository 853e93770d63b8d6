// Helpers shared by the run-log tests: temporary folders and the repository root.

import Foundation

/// A fresh empty folder under the system temporary directory; call `remove()` when done
/// (`defer { folder.remove() }`).
struct TemporaryFolder {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("runlog-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The package root (two levels above this file's folder).
func repositoryRoot(file: String = #filePath) -> String {
    URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}

/// The smallest valid spec: synthetic data, one CNN.
let minimalSpec = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "models": [{"name": "cnn", "kind": "cnn"}]}"#
