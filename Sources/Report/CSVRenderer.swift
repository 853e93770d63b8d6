// CSVRenderer: one line per table row (literature, the paper's reported rows, ours), RFC 4180
// quoting, accuracies in percent.

enum CSVRenderer {
    static let header = ["table", "experiment", "method", "setting", "source", "reference", "accuracy_pct", "std_pct", "folds", "runs", "epochs", "remark"]

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
                    row.folds, row.runs, row.epochs, row.remark ?? "",
                ]
                lines.append(fields.map(quote).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
