// ClassificationReport: precision, recall, F1 and support per class from a confusion matrix, with
// the accuracy and the macro and support-weighted averages, laid out as scikit-learn's
// `classification_report` prints them. A class never predicted has precision 0, one never present
// recall 0, and F1 is 0 when both are (scikit-learn's `zero_division=0`).

import Foundation

public struct ClassScores: Codable, Equatable, Sendable {
    public var name: String
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var support: Int
}

public struct ClassificationReport: Codable, Equatable, Sendable {
    public var classes: [ClassScores]
    public var accuracy: Double
    public var macro: ClassScores
    public var weighted: ClassScores

    /// `confusion[true][predicted]` counts; `names` in label order.
    public init(confusion: [[Int]], names: [String]) {
        let k = confusion.count
        let total = confusion.reduce(0) { $0 + $1.reduce(0, +) }
        let classes = (0..<k).map { c in
            let tp = Double(confusion[c][c])
            let predicted = Double((0..<k).reduce(0) { $0 + confusion[$1][c] })
            let support = confusion[c].reduce(0, +)
            let precision = predicted > 0 ? tp / predicted : 0
            let recall = support > 0 ? tp / Double(support) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            return ClassScores(name: c < names.count ? names[c] : "class \(c)", precision: precision, recall: recall, f1: f1, support: support)
        }
        self.classes = classes
        accuracy = total > 0 ? Double((0..<k).reduce(0) { $0 + confusion[$1][$1] }) / Double(total) : 0
        func average(_ name: String, weight: (ClassScores) -> Double) -> ClassScores {
            let weights = classes.map(weight)
            let sum = weights.reduce(0, +)
            func mean(_ value: (ClassScores) -> Double) -> Double {
                sum > 0 ? zip(classes, weights).reduce(0) { $0 + value($1.0) * $1.1 } / sum : 0
            }
            return ClassScores(name: name, precision: mean(\.precision), recall: mean(\.recall), f1: mean(\.f1), support: total)
        }
        let macro = average("macro avg") { _ in 1 }
        let weighted = average("weighted avg") { Double($0.support) }
        self.macro = macro
        self.weighted = weighted
    }

    /// The text scikit-learn prints (two decimals).
    public var text: String {
        let width = max(12, (classes.map(\.name.count) + [12]).max()!)
        func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        func row(_ s: ClassScores) -> String {
            pad(s.name, width) + pad(String(format: "%.2f", s.precision), 11) + pad(String(format: "%.2f", s.recall), 10)
                + pad(String(format: "%.2f", s.f1), 10) + pad(String(s.support), 10)
        }
        var lines = [pad("", width) + pad("precision", 11) + pad("recall", 10) + pad("f1-score", 10) + pad("support", 10), ""]
        lines += classes.map(row)
        lines.append("")
        lines.append(pad("accuracy", width) + pad("", 21) + pad(String(format: "%.2f", accuracy), 10) + pad(String(macro.support), 10))
        lines.append(row(macro))
        lines.append(row(weighted))
        return lines.joined(separator: "\n") + "\n"
    }
}
