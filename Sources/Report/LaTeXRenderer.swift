// LaTeXRenderer: each table as a booktabs `table` environment in the paper's layout (method,
// setting, accuracy), our rows under a midrule with folds, runs and epochs; notes and the paired
// comparison below it as a small paragraph.

import Foundation

enum LaTeXRenderer {
    static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "\\": out += "\\textbackslash{}"
            case "&", "%", "$", "#", "_", "{", "}": out += "\\\(ch)"
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            case "±": out += "$\\pm$"
            default: out.append(ch)
            }
        }
        return out
    }

    /// Escaped text whose `code` spans become \texttt{...}.
    static func prose(_ text: String) -> String {
        let parts = text.components(separatedBy: "`")
        return parts.enumerated().map { i, part in
            i % 2 == 1 && i < parts.count - 1 ? "\\texttt{\(escape(part))}" : escape(part)
        }.joined()
    }

    /// The caption without the "Table N. " the title starts with: LaTeX numbers the table itself.
    static func caption(_ title: String) -> String {
        guard title.hasPrefix("Table "), let dot = title.firstIndex(of: "."), title[title.index(title.startIndex, offsetBy: 6)..<dot].allSatisfy(\.isNumber)
        else { return title }
        return String(title[title.index(after: dot)...]).trimmingCharacters(in: .whitespaces)
    }

    static func render(_ report: Report) -> String {
        "% Requires \\usepackage{booktabs}.\n" + report.tables.map(table).joined(separator: "\n")
    }

    static func table(_ table: ReportTable) -> String {
        var out = ["\\begin{table}[t]", "\\centering", "\\caption{\(escape(caption(table.title)))}", "\\label{tab:\(table.table)\(table.experiment.map { "-" + $0.hash } ?? "")}"]
        out.append("\\begin{tabular}{llrrrr}")
        out.append("\\toprule")
        out.append("Method & Setting & Accuracy (\\%) & Folds & Runs & Epochs \\\\")
        out.append("\\midrule")
        var previous: TableRow.Source?
        for row in Format.rows(table) {
            if let previous, previous != row.source, row.source == .ours { out.append("\\midrule") }
            previous = row.source
            let method = escape(row.method) + (row.reference.map { "~[\($0)]" } ?? "")
            let accuracy = row.remark.map(escape) ?? (row.accuracy.map { a in Format.number(a) + (row.std.map { " $\\pm$ " + Format.number($0) } ?? "") } ?? "--")
            out.append([method, escape(row.setting), accuracy, row.folds, row.runs, row.epochs].joined(separator: " & ") + " \\\\")
        }
        out.append("\\bottomrule")
        out.append("\\end{tabular}")
        var notes: [String] = []
        if let line = Format.experimentLine(table) { notes.append(prose(line)) }
        notes += table.notes.map(prose)
        notes += table.comparisons.map { escape(Format.comparisonLine($0)) }
        if !notes.isEmpty {
            out.append("\\par\\smallskip\\footnotesize")
            out.append(notes.joined(separator: "\n\\par "))
        }
        out.append("\\end{table}")
        return out.joined(separator: "\n") + "\n"
    }
}
