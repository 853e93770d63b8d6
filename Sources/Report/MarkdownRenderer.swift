// MarkdownRenderer: the report as Markdown (pipe tables, notes as lists, detail per model), with
// links to the figures written beside it when there are any.

/// Figures of one report table, as paths relative to the Markdown file.
public struct FigureLinks: Equatable, Sendable {
    /// Model name -> learning-curve SVG.
    public var curves: [String: String] = [:]
    public var samples: String?
    public init(curves: [String: String] = [:], samples: String? = nil) {
        self.curves = curves
        self.samples = samples
    }
}

enum MarkdownRenderer {
    /// `figures[i]` belongs to `report.tables[i]`.
    static func render(_ report: Report, figures: [Int: FigureLinks] = [:]) -> String {
        "# Results\n\n" + report.tables.enumerated().map { table($1, figures: figures[$0] ?? FigureLinks()) }.joined(separator: "\n")
    }

    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }

    static func table(_ table: ReportTable, figures: FigureLinks) -> String {
        var out = ["## \(table.title)", ""]
        if let line = Format.experimentLine(table) { out += [line, ""] }
        let answer = Format.answerLines(table)
        if !answer.isEmpty { out += ["**Answer**", ""] + answer.map { "- " + $0 } + [""] }
        out.append("| Method | Setting | Accuracy (%) | Folds | Runs | Epochs |")
        out.append("|---|---|--:|--:|--:|--:|")
        for row in Format.rows(table) {
            let method = row.source == .ours ? "**\(row.method)**" : row.method + (row.reference.map { " [\($0)]" } ?? "")
            out.append("| " + [method, row.setting, Format.accuracy(row), row.folds, row.runs, row.epochs].map(cell).joined(separator: " | ") + " |")
        }
        var citations: [Int: String] = [:]
        for entry in table.literature { if let reference = entry.reference { citations[reference] = entry.citation } }
        if !citations.isEmpty {
            out.append("")
            out += citations.keys.sorted().map { "- [\($0)] \(citations[$0]!)" }
        }
        if !table.notes.isEmpty {
            out += ["", "**Notes**", ""]
            out += table.notes.map { "- " + $0 }
        }
        for c in table.comparisons {
            out += ["", "**Paired comparison.** " + Format.comparisonLine(c)]
        }
        for model in table.models where model.hasResults || !model.foldResults.isEmpty {
            out += ["", "### \(model.name)", ""]
            out.append("- Runs (pooled over folds): " + Format.runsLine(model))
            out.append("- Folds: " + model.foldResults.map(Format.foldLine).joined(separator: "; "))
            if model.hasResults {
                out.append("- Per class: " + model.classes.map(Format.classLine).joined(separator: ", "))
                out += ["", "Confusion matrix (rows: true class, columns: predicted):", ""]
                out.append("| true \\ predicted | " + model.classes.map { cell($0.name) }.joined(separator: " | ") + " |")
                out.append("|---|" + String(repeating: "--:|", count: model.classes.count))
                for (i, row) in model.confusion.enumerated() {
                    out.append("| \(cell(model.classes[i].name)) | " + row.map(String.init).joined(separator: " | ") + " |")
                }
            }
            if let svg = figures.curves[model.name] {
                out += ["", "![Learning curves of \(model.name)](\(svg))"]
            }
        }
        if let samples = figures.samples {
            out += ["", "### Samples", "", "![Latest sample grid: human inputs and generated characters](\(samples))"]
        }
        return out.joined(separator: "\n") + "\n"
    }
}
