// TextRenderer: the report for a terminal: the user's experiments with aligned columns, notes and
// comparisons wrapped to the width, per-fold and per-class tables and the confusion matrix per
// model; a paper table without runs shrinks to one line unless every table is asked for.

import Foundation

/// How the text report is laid out.
public struct TextLayout: Sendable {
    /// Columns to wrap prose at (notes, comparisons).
    public var width: Int
    /// Print paper tables without runs in full (their literature rows) instead of one line each.
    public var allTables: Bool
    public init(width: Int = 100, allTables: Bool = false) {
        self.width = max(40, width)
        self.allTables = allTables
    }
}

/// Aligned text tables for the commands that print them (`exp ls`, `exp compare`).
public enum TextTable {
    /// Columns padded to their widest cell, two spaces apart; trailing blanks trimmed.
    public static func aligned(_ rows: [[String]]) -> [String] { TextRenderer.aligned(rows) }
    /// A comparison's sentence, as the report prints it.
    public static func comparisonLine(_ c: PairedResult) -> String { Format.comparisonLine(c) }
    /// Words wrapped at `width`, continuation lines indented.
    public static func wrap(_ text: String, width: Int, indent: String) -> String { TextRenderer.wrap(text, width, indent: indent) }
}

enum TextRenderer {
    static func render(_ report: Report, layout: TextLayout = TextLayout()) -> String {
        let full = report.tables.filter { layout.allTables || $0.experiment != nil }
        var text = full.map { table($0, layout: layout) }.joined(separator: "\n")
        let short = report.tables.filter { !layout.allTables && $0.experiment == nil }
        if !short.isEmpty {
            if !text.isEmpty { text += "\n" }
            text += short.map { t in
                let run = t.notes.first.map { $0.replacingOccurrences(of: "No runs yet: ", with: "") } ?? ""
                return wrap("\(t.title.split(separator: ":").first ?? Substring(t.title)): no runs yet; \(run)", layout.width, indent: "  ")
            }.joined(separator: "\n") + "\n(--all-tables prints these tables with their literature rows.)\n"
        }
        return text
    }

    /// Words wrapped at `width`; continuation lines start with `indent`.
    static func wrap(_ text: String, _ width: Int, indent: String, first: String = "") -> String {
        var lines: [String] = []
        var line = first
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let prefix = lines.isEmpty ? first : indent
            if line.count > prefix.count && line.count + 1 + word.count > width {
                lines.append(line)
                line = indent + word
            } else {
                line += (line.count > prefix.count ? " " : "") + word
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    static func table(_ table: ReportTable, layout: TextLayout) -> String {
        var out = [table.title]
        if let line = Format.experimentLine(table) { out.append(wrap(line, layout.width, indent: "  ")) }
        let answer = Format.answerLines(table)
        if !answer.isEmpty {
            out.append("")
            out.append("Answer:")
            out += answer.map { wrap($0, layout.width, indent: "    ", first: "  - ") }
        }
        out.append("")
        let header = ["Method", "Setting", "Accuracy (%)", "Folds", "Runs", "Epochs"]
        let cells = Format.rows(table).map { row in
            [row.method + (row.reference.map { " [\($0)]" } ?? ""), row.setting, Format.accuracy(row, plusMinus: "+-"), row.folds, row.runs, row.epochs]
        }
        out += aligned([header] + cells)
        if !table.notes.isEmpty {
            out.append("")
            out.append("Notes:")
            out += table.notes.map { wrap($0, layout.width, indent: "    ", first: "  - ") }
        }
        if !table.comparisons.isEmpty {
            out.append("")
            out += table.comparisons.map { wrap(Format.comparisonLine($0), layout.width, indent: "  ") }
        }
        for model in table.models where model.hasResults || !model.foldResults.isEmpty {
            out.append("")
            out.append("\(model.name) (\(model.kind)):")
            out.append("  runs: " + Format.runsLine(model))
            out.append("  folds:")
            out += aligned([["run", "fold", "accuracy (%)", "correct", "samples", "status"]] + model.foldResults.map { f in
                [String(f.run), String(f.fold), Format.percent(f.accuracy), f.correct.map(String.init) ?? "-", f.samples.map(String.init) ?? "-", f.status]
            }).map { "    " + $0 }
            if model.hasResults {
                out.append("  per class (recall: the class's accuracy):")
                out += ClassificationReport(confusion: model.confusion, names: model.classes.map(\.name)).text
                    .split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { $0.isEmpty ? "" : "    " + $0 }
                out.append("  confusion matrix (rows: true class, columns: predicted):")
                out += Format.confusionGrid(model, indent: "    ")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Columns padded to their widest cell; trailing blanks trimmed.
    static func aligned(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.first?.count ?? 0)).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            var line = row.enumerated().map { c, cell in cell + String(repeating: " ", count: widths[c] - cell.count) }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}
