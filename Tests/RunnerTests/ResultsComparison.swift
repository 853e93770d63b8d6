// Comparing results folders (every table of the run log, every file) and waiting for `exp`
// processes: shared by the chaos test and the Slurm tests.

import Foundation
import GRDB
import RunLog
import Runner

/// Every table of the run log as sorted lines: jobs named by model, run and fold instead of ids;
/// ids, experiment ids, timestamps (`*_at`), the git state at registration, attempt counts and the
/// `attempts` table (one row per worker start: an interrupted run has more) left out.
func runLogTables(_ results: String, skipping: Set<String> = []) throws -> [String: [String]] {
    let skipping = skipping.union(["attempts"])
    let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
    defer { try? store.close() }
    func text(_ v: DatabaseValue?) -> String { v.map { "\($0)" } ?? "NULL" }
    var jobNames: [String: String] = [:]
    for row in try store.query("SELECT id, model_name, run, fold FROM jobs") {
        jobNames[text(row["id"])] = "\(text(row["model_name"]))/\(text(row["run"]))/\(text(row["fold"]))"
    }
    var out: [String: [String]] = [:]
    let names = try store.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'")
    for name in names.map({ text($0["name"]) }).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }) where !skipping.contains(name) {
        out[name] = try store.query("SELECT * FROM \(name)").map { row in
            row.keys.sorted().compactMap { column -> String? in
                // The tree's git state is read when the experiment is registered, like a time stamp.
                if ["id", "experiment_id", "attempts", "git_commit", "git_dirty"].contains(column) || column.hasSuffix("_at") { return nil }
                if column == "job_id" { return "job=\(jobNames[text(row[column])] ?? "?")" }
                return "\(column)=\(text(row[column]))"
            }.joined(separator: " ")
        }.sorted()
    }
    return out
}

/// The results folder's files (path relative to it, and bytes), the run log, its lock and the
/// Slurm submissions' folders aside.
func resultFiles(_ results: String) -> [String: Data] {
    var out: [String: Data] = [:]
    let skipped: Set<String> = ["runs.sqlite", "runs.sqlite-wal", "runs.sqlite-shm", ".exp-run.lock"]
    guard let walker = FileManager.default.enumerator(atPath: results) else { return out }
    for case let path as String in walker where !skipped.contains(path) && !path.hasPrefix("slurm/") {
        var isDirectory: ObjCBool = false
        let full = (results as NSString).appendingPathComponent(path)
        if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
            out[path] = FileManager.default.contents(atPath: full)
        }
    }
    return out
}

/// Waits for `process` to exit, at most `seconds`; kills its group when it does not.
@discardableResult
func wait(_ process: Process, seconds: Double) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    if process.isRunning {
        kill(-process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return false
    }
    process.waitUntilExit()
    return true
}
