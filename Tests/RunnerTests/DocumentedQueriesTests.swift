// The run-log queries the documentation shows, run on the log of the run it says they come from:
// every query of docs/run-log.md returns as many rows as its printed output (none where it says
// so), and every `sqlite3 ... results/runs.sqlite "..."` query of the README returns rows.

import Foundation
import RunLog
import Testing

@Test func documentedQueriesReturnTheirRowsOnTheDemosLog() throws {
    let folder = temporaryFolder("queries")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let root = expExecutable.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let results = (folder as NSString).appendingPathComponent("results")
    // The command docs/run-log.md names.
    let run = try runExp(["run", root.appendingPathComponent("experiments/demo.json").path, "--set", "models[0].epochs=2",
                          "--set", "models[1].epochs=2", "--set", "protocol.runs=1", "--jobs", "2", "--results", results])
    run.waitUntilExit()
    #expect(run.terminationStatus == 0)
    let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)

    let doc = try String(contentsOf: root.appendingPathComponent("docs/run-log.md"), encoding: .utf8)
    let blocks = doc.components(separatedBy: "```")
    var checked = 0
    for (i, block) in blocks.enumerated() where block.hasPrefix("sql\n") && i + 2 < blocks.count {
        let sql = String(block.dropFirst(4))
        let output = blocks[i + 2].split(separator: "\n", omittingEmptySubsequences: true)
        let rows = try store.query(sql)
        if output == ["(no rows)"] {
            #expect(rows.isEmpty && sql.hasPrefix("-- rows only"), "\(sql)")
        } else {
            #expect(rows.count == output.count - 2, "\(sql)")
            #expect(!rows.isEmpty, "\(sql)")
        }
        checked += 1
    }
    #expect(checked >= 16)

    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    let pattern = try NSRegularExpression(pattern: #"sqlite3 -header -column results/runs\.sqlite\s+\\?\s*"([^"]+)""#)
    let queries = pattern.matches(in: readme, range: NSRange(readme.startIndex..., in: readme)).map {
        String(readme[Range($0.range(at: 1), in: readme)!])
    }
    #expect(queries.count >= 5)
    for sql in queries { #expect(!(try store.query(sql)).isEmpty, "\(sql)") }
}
