// TextRenderer: the report for a terminal: aligned columns, then notes and the detail per model.

enum TextRenderer {
    static func render(_ report: Report) -> String {
        report.tables.map(table).joined(separator: "\n")
    }

    static func table(_ table: ReportTable) -> String {
        var out = [table.title]
        if let line = Format.experimentLine(table) { out.append(line) }
        out.append("")
        let header = ["Method", "Setting", "Accuracy (%)", "Folds", "Runs", "Epochs"]
        let cells = Format.rows(table).map { row in
            [row.method + (row.reference.map { " [\($0)]" } ?? ""), row.setting, Format.accuracy(row, plusMinus: "+-"), row.folds, row.runs, row.epochs]
        }
        out += aligned([header] + cells)
        if !table.notes.isEmpty {
            out.append("")
            out.append("Notes:")
            out += table.notes.map { "  - " + $0 }
        }
        if !table.comparisons.isEmpty {
            out.append("")
            out += table.comparisons.map(Format.comparisonLine)
        }
        for model in table.models where model.hasResults || !model.foldResults.isEmpty {
            out.append("")
            out.append("\(model.name) (\(model.kind)):")
            out.append("  runs: " + Format.runsLine(model))
            out.append("  folds: " + model.foldResults.map(Format.foldLine).joined(separator: "; "))
            if model.hasResults {
                out.append("  per class: " + model.classes.map(Format.classLine).joined(separator: ", "))
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
