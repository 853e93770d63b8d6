// The HTML report in a real browser: the demo spec, shortened to 2 epochs, run by `exp run`,
// reported by `exp report --format html`, then loaded by headless Chromium: every image decodes,
// the page logs nothing to the console, and every part of the report is there. A screenshot is
// kept in .build/test-artifacts/html-report.png for a person to look at. Skipped, saying so,
// where Chromium is not installed (`.ci/run` and `make deps` install it).

import Foundation
import Testing

private let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

/// Runs Chromium headless on `arguments`; returns its standard output and standard error.
private func headless(_ arguments: [String]) throws -> (out: String, err: String) {
    let run = try runCapturing(URL(fileURLWithPath: chromium!),
                               ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"] + arguments)
    return (run.out, run.err)
}

@Test func htmlReportOfTheDemoLoadsInABrowser() throws {
    guard chromium != nil else {
        print("skipped: Chromium is not installed (apt-get install chromium), so the HTML report is not checked in a browser")
        return
    }
    let folder = temporaryFolder("html")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let root = expExecutable.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let spec = root.appendingPathComponent("experiments/demo.json").path
    let results = (folder as NSString).appendingPathComponent("results")
    let run = try runExp(["run", spec, "--results", results, "--jobs", "2", "--set", "models[0].epochs=2", "--set", "models[1].epochs=2", "--set", "protocol.runs=1"])
    run.waitUntilExit()
    #expect(run.terminationStatus == 0)
    let page = (folder as NSString).appendingPathComponent("report.html")
    let report = try runExp(["report", "--results", results, "--format", "html", "--out", page])
    report.waitUntilExit()
    #expect(report.terminationStatus == 0)
    let html = try String(contentsOfFile: page, encoding: .utf8)
    for part in ["Protocol notes", "Provenance", "Accuracy per fold", "Row-normalised (%)", "Classification report", "Translation samples",
                 "CNN(baseline): learning curves", "HA-GAN: learning curves", "data:image/png;base64,"] {
        #expect(html.contains(part), "the report has no '\(part)'")
    }

    let url = URL(fileURLWithPath: page).absoluteString
    let dom = try headless(["--dump-dom", url])
    #expect(dom.out.contains("data-images-loaded=\"1 of 1\""), "not every image loaded: \(dom.out.prefix(300))")
    let console = dom.err.split(separator: "\n").filter { $0.contains(":CONSOLE") }
    #expect(console.isEmpty, "console messages: \(console.prefix(5))")

    let artifacts = root.appendingPathComponent(".build/test-artifacts")
    try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
    let screenshot = artifacts.appendingPathComponent("html-report.png").path
    try? FileManager.default.removeItem(atPath: screenshot)
    _ = try headless(["--window-size=1200,3200", "--screenshot=\(screenshot)", url])
    let png = FileManager.default.contents(atPath: screenshot) ?? Data()
    #expect(png.count > 10_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "no screenshot at \(screenshot)")
    print("HTML report screenshot: \(screenshot)")
}
