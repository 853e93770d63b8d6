// Every output format of the fixture report against its golden file, and the recording mode's
// failure.

import Foundation
import Report
import RunLog
import TestSupport
import Testing

@Test(arguments: ReportFormat.allCases)
func fixtureReportMatchesGolden(format: ReportFormat) throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try writeFixture(results: folder.path)
    let extensions: [ReportFormat: String] = [.text: "txt", .markdown: "md", .html: "html", .latex: "tex", .csv: "csv", .json: "json"]
    var text = try #require(try ReportGenerator.run(results: folder.path, experiment: nil, format: format, out: nil))
    // The HTML provenance shows when the experiment was registered: the fixture's time varies.
    text = text.replacing(try Regex(#"<dd>20[0-9-]+T[0-9:.]+Z</dd>"#), with: "<dd>(created)</dd>")
    expectGolden("fixture.\(extensions[format]!)", text)
}

@Test func emptyDatabaseMatchesGolden() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try RunStore(path: folder.path + "/runs.sqlite").close()
    let text = try #require(try ReportGenerator.run(results: folder.path, experiment: nil, format: .text, out: nil))
    expectGolden("empty.txt", text)
}

@Test func recordingAGoldenFailsAndAMismatchIsReported() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let recorded = goldenFailure("x.txt", "a\nb\n", folder: folder.path, recording: true)
    #expect(recorded?.hasPrefix("recorded ") == true)
    #expect(goldenFailure("x.txt", "a\nb\n", folder: folder.path, recording: false) == nil)
    let mismatch = goldenFailure("x.txt", "a\nc\n", folder: folder.path, recording: false)
    #expect(mismatch?.contains("line 2") == true)
    #expect(goldenFailure("missing.txt", "", folder: folder.path, recording: false) != nil)
}
