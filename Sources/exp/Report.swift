// `exp report`: the paper's Tables 1-3 (and tables of other experiments) rebuilt from the run log.

import ArgumentParser
import Report

extension ReportFormat: ExpressibleByArgument {}

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

    func run() throws {
        if let text = try ReportGenerator.run(results: results, experiment: experiment, format: format, out: out) {
            print(text, terminator: "")
        }
    }
}
