// TableRows: the main rows of a report table as text cells shared by every renderer: the
// literature rows, the paper's own reported rows, then ours; and number formatting.

import Foundation

/// One line of a rebuilt paper table.
struct TableRow {
    enum Source: String { case literature, reported, ours }
    var method: String
    var setting: String
    var source: Source
    var reference: Int?
    /// Percent: the paper's figure, or our mean over runs.
    var accuracy: Double?
    var std: Double?
    var folds: String
    var runs: String
    var epochs: String
    /// "no runs yet" and the like, in place of an accuracy.
    var remark: String?
}

enum Format {
    static func percent(_ fraction: Double?) -> String {
        fraction.map { String(format: "%.2f", $0 * 100) } ?? "-"
    }

    static func number(_ value: Double, digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

    static func pValue(_ p: Double?) -> String {
        guard let p else { return "-" }
        return p < 0.0001 ? "< 0.0001" : String(format: "%.4f", p)
    }

    /// "85.00 ± 1.20", "85.00" (one run) or the remark.
    static func accuracy(_ row: TableRow, plusMinus: String = "±") -> String {
        if let remark = row.remark { return remark }
        guard let accuracy = row.accuracy else { return "-" }
        let text = number(accuracy)
        return row.std.map { "\(text) \(plusMinus) \(number($0))" } ?? text
    }

    static func rows(_ table: ReportTable) -> [TableRow] {
        var rows = table.literature.map { entry in
            TableRow(
                method: entry.reported ? "\(entry.method) (paper)" : entry.method, setting: entry.setting,
                source: entry.reported ? .reported : .literature, reference: entry.reference, accuracy: entry.accuracy, std: nil,
                folds: "", runs: "", epochs: "", remark: nil)
        }
        for model in table.models {
            // The paper's setting of its own rows, with our number of classes ("Static/6").
            var setting = table.literature.first { $0.reported && $0.method == model.name }?.setting ?? "Static"
            if setting.contains("/"), !model.classes.isEmpty { setting = "Static/\(model.classes.count)" }
            if model.hasResults {
                rows.append(TableRow(
                    method: "\(model.name) (ours)", setting: setting, source: .ours, reference: nil, accuracy: model.mean.map { $0 * 100 },
                    std: model.std.map { $0 * 100 }, folds: "\(model.folds)/\(model.foldsPlanned)", runs: "\(model.runs)/\(model.runsPlanned)",
                    epochs: "\(model.epochs)", remark: nil))
            } else {
                let remark = table.experiment == nil ? "no runs yet" : "no completed folds yet"
                let planned = table.experiment != nil
                rows.append(TableRow(
                    method: "\(model.name) (ours)", setting: setting, source: .ours, reference: nil, accuracy: nil, std: nil,
                    folds: planned ? "0/\(model.foldsPlanned)" : "", runs: planned ? "0/\(model.runsPlanned)" : "",
                    epochs: planned ? "\(model.epochs)" : "", remark: remark))
            }
        }
        return rows
    }

    /// The report's answer, first in every format: each model's accuracy, then each model
    /// against the baseline with the corrected interval first (the folds' training sets overlap,
    /// so it is the one to read) and, while pairs are missing, how many there are so far.
    static func answerLines(_ table: ReportTable) -> [String] {
        guard table.experiment != nil else { return [] }
        var lines: [String] = []
        for model in table.models where model.hasResults {
            let spread = model.std.map { ", sd \(number($0 * 100)) over \(model.runs) runs" } ?? (model.runs == 1 ? ", 1 run" : "")
            let partial = model.folds < model.foldsPlanned || model.runs < model.runsPlanned
                ? " (partial: \(model.folds) of \(model.foldsPlanned) folds done)" : ""
            lines.append("\(model.name): \(percent(model.mean))%\(spread)\(partial)")
        }
        let planned = table.models.first?.foldsPlanned ?? 0
        for c in table.comparisons {
            let sign = c.meanDifference >= 0 ? "+" : ""
            var line = "\(c.model) - \(c.baseline): \(sign)\(number(c.meanDifference * 100)) points over \(c.pairs) (run, fold) pair\(c.pairs == 1 ? "" : "s")"
            if c.pairs >= 2 {
                let corrected = c.correctedCILow.flatMap { low in c.correctedCIHigh.map { "[\(number(low * 100)), \(number($0 * 100))]" } } ?? "undefined"
                let plain = c.ciLow.flatMap { low in c.ciHigh.map { "[\(number(low * 100)), \(number($0 * 100))]" } } ?? "undefined"
                line += "; corrected resampled t-test 95% CI \(corrected), p = \(pValue(c.correctedPValue))"
                    + " (as if the folds were independent: \(plain), p = \(pValue(c.pValue)))"
            } else {
                line += "; too few pairs for an interval"
            }
            if c.pairs < planned { line += "; \(c.pairs) of \(planned) pairs so far" }
            lines.append(line)
        }
        return lines
    }

    static func experimentLine(_ table: ReportTable) -> String? {
        guard let e = table.experiment else { return nil }
        let commit = e.gitCommit.map { ", commit \($0)" } ?? ""
        return "Experiment \(e.name) (spec \(e.hash), dataset \(e.datasetKind)\(commit)): \(e.jobsCompleted) of \(e.jobsTotal) jobs done."
    }

    static func comparisonLine(_ c: PairedResult) -> String {
        if c.pairs < 2 {
            return "\(c.model) - \(c.baseline) over \(c.pairs) paired fold: difference \(number(c.meanDifference * 100)) points; "
                + "one pair gives no confidence interval or test."
        }
        let ci = c.ciLow.flatMap { low in c.ciHigh.map { "95% CI [\(number(low * 100)), \(number($0 * 100))]" } } ?? "95% CI undefined"
        let corrected = c.correctedCILow.flatMap { low in c.correctedCIHigh.map { "95% CI [\(number(low * 100)), \(number($0 * 100))]" } }
            ?? "95% CI undefined"
        return "\(c.model) - \(c.baseline) over \(c.pairs) paired fold\(c.pairs == 1 ? "" : "s"): mean difference \(number(c.meanDifference * 100)) points, "
            + "\(ci), paired t-test p = \(pValue(c.pValue)) (as if the folds were independent); corrected resampled t-test "
            + "(Nadeau and Bengio, for folds whose training sets overlap): \(corrected), p = \(pValue(c.correctedPValue))."
    }

    static func runsLine(_ model: ModelResult) -> String {
        model.runAccuracies.isEmpty ? "none completed"
            : model.runAccuracies.enumerated().map { "run \($0.offset) \(percent($0.element))" }.joined(separator: ", ")
    }

    static func foldLine(_ f: FoldResult) -> String {
        let value = f.accuracy.map { "\(percent($0)) (\(f.correct ?? 0)/\(f.samples ?? 0))" } ?? f.status
        return "run \(f.run) fold \(f.fold): \(value)"
    }

    static func classLine(_ c: ClassAccuracy) -> String {
        "\(c.name) \(percent(c.accuracy)) (\(c.correct)/\(c.samples))"
    }

    /// A right-aligned grid of the confusion matrix with class names, for monospaced output.
    static func confusionGrid(_ model: ModelResult, indent: String) -> [String] {
        let names = model.classes.map(\.name)
        let width = max(names.map(\.count).max() ?? 0, model.confusion.flatMap { $0 }.map { String($0).count }.max() ?? 0)
        func pad(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        var lines = [indent + pad("") + "  " + names.map(pad).joined(separator: " ")]
        for (i, row) in model.confusion.enumerated() {
            lines.append(indent + pad(names[i]) + "  " + row.map { pad(String($0)) }.joined(separator: " "))
        }
        return lines
    }
}
