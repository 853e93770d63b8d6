// ReportGenerator: the entry point of `exp report`: opens the run log read-only, picks the
// experiments, builds the report and renders it; with Markdown written to a file, also the
// figures beside it (learning curves as SVG, the latest sample grid copied as PNG). HTML is one
// self-contained file with its figures inline.

import Foundation
import RunLog

public enum ReportFormat: String, CaseIterable, Sendable {
    case text, markdown, html, latex, csv, json
}

public enum ReportGenerator {
    /// The run log inside a results folder.
    public static func databasePath(results: String) -> String {
        ResultsLayout(root: results).database
    }

    /// Reads the report from the run log in `results` (the latest experiment per table, or the
    /// one `experiment` names by name or spec-hash prefix).
    public static func load(results: String, experiment: String?, latest: Bool = false) throws -> (report: Report, data: [ExperimentData]) {
        let store = try RunStore(path: databasePath(results: results), readOnly: true)
        defer { try? store.close() }
        var data = try RunLogQueries.select(store, experiment: experiment, latest: latest).map { try RunLogQueries.load(store, experiment: $0) }
        if experiment == nil {
            for i in data.indices { data[i].selectionNote = try RunLogQueries.selectionNote(store, chosen: data[i].record) }
        }
        return (ReportBuilder.build(data, onlyGiven: experiment != nil), data)
    }

    /// `data` and `results` give HTML its figures (curves, the sample grid read from `results`).
    public static func render(_ report: Report, format: ReportFormat, figures: [Int: FigureLinks] = [:], data: [ExperimentData] = [],
                              results: String = "results", layout: TextLayout = TextLayout()) throws -> String {
        switch format {
        case .text: return TextRenderer.render(report, layout: layout)
        case .markdown: return MarkdownRenderer.render(report, figures: figures)
        case .html: return HTMLRenderer.render(report, data: data, results: results)
        case .latex: return LaTeXRenderer.render(report)
        case .csv: return CSVRenderer.render(report)
        case .json: return try JSONRenderer.render(report)
        }
    }

    /// Builds and renders the report; returns the text, or writes it to `out` (with figures for
    /// Markdown) and returns nil.
    /// Without `samples`, the sample grids are left out of the figures (their human faces may be
    /// a licensed dataset's, which a published report must not carry).
    public static func run(results: String, experiment: String?, format: ReportFormat, out: String?,
                           layout: TextLayout = TextLayout(), csvTable: CSVTable = .summary, samples: Bool = true,
                           latest: Bool = false) throws -> String? {
        if csvTable != .summary {
            guard format == .csv else { throw ReportError.option("--table \(csvTable.rawValue) is a CSV export: add --format csv") }
            let store = try RunStore(path: databasePath(results: results), readOnly: true)
            defer { try? store.close() }
            let data = try RunLogQueries.select(store, experiment: experiment, latest: latest).map { try RunLogQueries.load(store, experiment: $0) }
            return try write(try CSVExports.render(csvTable, data: data, store: store), to: out)
        }
        let loaded = try load(results: results, experiment: experiment, latest: latest)
        let report = loaded.report
        var data = loaded.data
        if !samples { for i in data.indices { data[i].latestSamples = nil } }
        guard let out else { return try render(report, format: format, data: data, results: results, layout: layout) }
        let figures = format == .markdown ? try FigureWriter.write(report, data: data, results: results, markdownPath: out) : [:]
        return try write(try render(report, format: format, figures: figures, data: data, results: results, layout: layout), to: out)
    }

    /// The text itself without `out`; else written there, and nil.
    static func write(_ text: String, to out: String?) throws -> String? {
        guard let out else { return text }
        do {
            try text.write(toFile: out, atomically: true, encoding: .utf8)
        } catch {
            throw ReportError.figure(path: out, reason: "cannot be written (\(error.localizedDescription))")
        }
        return nil
    }
}
