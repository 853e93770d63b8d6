// Golden files: a rendered report compared exactly with Tests/ReportTests/Golden/<name>. With
// EXP_RECORD_GOLDEN=1 the file is (re)written and the test FAILS, so a recording run can never
// pass silently; run again without the variable to check.

import Foundation
import Testing

let goldenFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path

/// Nil when `actual` matches the golden file; otherwise why the check fails (also after recording).
func goldenFailure(_ name: String, _ actual: String, folder: String = goldenFolder, recording: Bool) -> String? {
    let path = folder + "/" + name
    if recording {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
            return "recorded \(path); run again without EXP_RECORD_GOLDEN to check it"
        } catch {
            return "cannot record \(path): \(error)"
        }
    }
    guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
        return "no golden file \(path); record it with EXP_RECORD_GOLDEN=1"
    }
    if expected == actual { return nil }
    let e = expected.components(separatedBy: "\n"), a = actual.components(separatedBy: "\n")
    let line = (0..<min(e.count, a.count)).first { e[$0] != a[$0] } ?? min(e.count, a.count)
    return "\(name) differs from the golden file at line \(line + 1):\n  golden: \(line < e.count ? e[line] : "<end>")\n  actual: \(line < a.count ? a[line] : "<end>")"
}

func expectGolden(_ name: String, _ actual: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let recording = ProcessInfo.processInfo.environment["EXP_RECORD_GOLDEN"] == "1"
    if let failure = goldenFailure(name, actual, recording: recording) {
        Issue.record(Comment(rawValue: failure), sourceLocation: sourceLocation)
    }
}
