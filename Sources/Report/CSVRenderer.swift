// CSVRenderer: one line per table row (literature, the paper's reported rows, ours), RFC 4180
// quoting, accuracies in percent; counts of completed and planned folds and runs in columns of
// their own, so every field is one number or one word.

enum CSVRenderer {
    static let header = ["table", "experiment", "method", "setting", "source", "reference", "accuracy_pct", "std_pct",
                         "folds_completed", "folds_planned", "runs_completed", "runs_planned", "epochs", "remark"]

    /// "4/5" -> ["4", "5"]; "" -> ["", ""].
    static func split(_ fraction: String) -> [String] {
        let parts = fraction.split(separator: "/").map(String.init)
        return parts.count == 2 ? parts : ["", ""]
    }

    static func quote(_ field: String) -> String {
        field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }

    static func render(_ report: Report) -> String {
        var lines = [header.joined(separator: ",")]
        for table in report.tables {
            for row in Format.rows(table) {
                let fields = [
                    table.table, table.experiment?.name ?? "", row.method, row.setting, row.source.rawValue, row.reference.map(String.init) ?? "",
                    row.accuracy.map { Format.number($0, digits: 4) } ?? "", row.std.map { Format.number($0, digits: 4) } ?? "",
                ] + split(row.folds) + split(row.runs) + [row.epochs, row.remark ?? "",
                ]
                lines.append(fields.map(quote).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
