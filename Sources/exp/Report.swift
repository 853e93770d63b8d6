// `exp report`: the paper's Tables 1-3 (and tables of other experiments) rebuilt from the run log.

import ArgumentParser
import Foundation
import Report

extension ReportFormat: ExpressibleByArgument {}
extension CSVTable: ExpressibleByArgument {}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rebuild the paper's Tables 1-3 from the run log, with the literature, statistics and figures.",
        discussion: """
            By default the latest experiment of each table; tables of the paper without runs print their \
            literature rows. With --format markdown and --out, learning curves (SVG) and the latest sample \
            grid (PNG) are written to a folder beside the file.
            """)

    @Option(help: "Results folder holding runs.sqlite.") var results = "results"
    @Option(help: "Experiment name or spec-hash prefix (default: the latest experiment of each table).") var experiment: String?
    @Option(help: "Output format: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).") var format: ReportFormat = .text
    @Option(help: "Write the report to this file instead of standard output.") var out: String?
    @Flag(help: "Text: print the paper tables without runs in full (their literature rows), not one line each.") var allTables = false
    @Option(help: "CSV: what to export: \(CSVTable.allCases.map(\.rawValue).joined(separator: ", ")) (the table rows; one row per job, class, metric and epoch, or test prediction).")
    var table: CSVTable = .summary
    @Flag(help: "Leave the sample grids out (their human faces may come from a licensed dataset that must not be published).")
    var noSamples = false
    @Flag(help: "With --experiment NAME naming several experiments: the newest of them (else an error lists them).") var latest = false
    @Option(help: "Report a tune instead (its hash prefix or spec name; exp ls lists them): each trial's scores by rung, each key against the score (text, markdown or html).")
    var tune: String?

    func run() throws {
        try requireRunLog(results)
        if let tune {
            guard [.text, .markdown, .html].contains(format) else { throw ValidationError("--tune reports as text, markdown or html") }
            let report = try TuneReport.load(results: results, tune: tune)
            let text = format == .html ? report.html : format == .markdown ? "```\n" + report.text + "```\n" : report.text
            if let out { try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic) } else { print(text, terminator: "") }
            return
        }
        // Text wraps at the terminal's width, or 100 columns when not on a terminal.
        var size = winsize()
        let columns = out == nil && isatty(STDOUT_FILENO) != 0 && ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0
            ? Int(size.ws_col) : 100
        let layout = TextLayout(width: columns, allTables: allTables)
        if let text = try ReportGenerator.run(results: results, experiment: experiment, format: format, out: out, layout: layout, csvTable: table, samples: !noSamples,
                                                 latest: latest) {
            print(text, terminator: "")
        }
    }
}
