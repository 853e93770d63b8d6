// A dataset's inspection report, for `exp data inspect`: images per class and per subject, empty
// classes, unknown labels, files skipped and why, frames chosen per sequence and, when folds are
// asked for, each fold's subjects and class counts.

public struct DatasetInspection: Sendable {
    public var dataset: Dataset
    public var folds: FoldAssignment?

    public init(dataset: Dataset, folds: FoldAssignment? = nil) {
        self.dataset = dataset
        self.folds = folds
    }

    /// The report as plain text. `listLimit` caps the skipped files and sequences listed one by one.
    public func render(listLimit: Int = 20) -> String {
        let d = dataset
        var lines: [String] = []
        lines.append("dataset \(d.description.kind) at \(d.description.root), classes \(d.description.classes.rawValue)")
        lines.append("\(d.samples.count) images of \(d.subjects.count) subjects in \(d.classes.count - d.emptyClasses.count) classes")
        if let a = d.alignment {
            lines += alignmentLines(a, listLimit: listLimit)
        } else {
            let aligned = d.samples.filter { $0.landmarks != nil }.count
            if aligned > 0 { lines.append("\(aligned) images have landmarks (aligned by eye centres)") }
        }
        lines.append("")
        lines.append("images per class:")
        for (label, (expression, count)) in zip(d.classes, d.countsPerClass).enumerated() {
            lines.append("  \(label) \(pad(expression.rawValue, 10)) \(count)")
        }
        if !d.emptyClasses.isEmpty {
            lines.append("empty classes: \(d.emptyClasses.map(\.rawValue).joined(separator: ", "))")
        }
        if !d.unknownLabels.isEmpty {
            let list = d.unknownLabels.sorted { $0.key < $1.key }.map { "'\($0.key)' (\($0.value))" }
            lines.append("unknown labels: \(list.joined(separator: ", "))")
        }
        lines.append("")
        lines.append("images per subject:")
        let perSubject = d.countsPerSubject.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        for start in stride(from: 0, to: perSubject.count, by: 8) {
            lines.append("  " + perSubject[start..<min(start + 8, perSubject.count)].map { pad($0, 12) }.joined())
        }
        lines.append("")
        if d.skipped.isEmpty {
            lines.append("skipped: none")
        } else {
            lines.append("skipped: \(d.skipped.count)")
            let reasons = d.skipped.reduce(into: [String: Int]()) { $0[$1.reason, default: 0] += 1 }
            for (reason, count) in reasons.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }) {
                lines.append("  \(count) x \(reason)")
            }
            for s in d.skipped.prefix(listLimit) { lines.append("    \(s.path): \(s.reason)") }
            if d.skipped.count > listLimit { lines.append("    ... and \(d.skipped.count - listLimit) more") }
        }
        if !d.selections.isEmpty {
            lines.append("")
            lines.append("frames chosen per sequence (\(d.selections.count) sequences):")
            for s in d.selections.prefix(listLimit) {
                let neutral = s.neutral.map { ", neutral \($0)" } ?? ""
                lines.append("  \(s.subject)/\(s.sequence) \(s.expression.rawValue): \(s.framesAvailable) frames, "
                    + "chose \(s.chosen.map(String.init).joined(separator: " "))\(neutral)")
            }
            if d.selections.count > listLimit { lines.append("  ... and \(d.selections.count - listLimit) more") }
        }
        if let folds {
            lines.append("")
            lines.append("\(folds.folds) subject-independent folds (seed \(folds.seed)); test-side images per class:")
            lines.append("  fold subjects images  " + d.classes.map { pad(String($0.rawValue.prefix(8)), 9) }.joined())
            let counts = folds.countsPerFold(d)
            for (f, subjects) in folds.subjectsPerFold.enumerated() {
                lines.append("  " + pad(String(f), 5) + pad(String(subjects.count), 9) + pad(String(counts[f].reduce(0, +)), 8)
                    + counts[f].map { pad(String($0), 9) }.joined())
            }
            for (f, subjects) in folds.subjectsPerFold.enumerated() {
                lines.append("  fold \(f): \(subjects.joined(separator: " "))")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The alignment part of the report alone (empty when the faces were not aligned).
    public func renderAlignment(listLimit: Int = 20) -> String {
        dataset.alignment.map { alignmentLines($0, listLimit: listLimit).joined(separator: "\n") } ?? ""
    }

    /// How the faces were aligned: the settings, counts by landmark source, every image without a
    /// face and with several (up to `listLimit` each), and what the cache saved.
    private func alignmentLines(_ a: AlignmentReport, listLimit: Int) -> [String] {
        var lines = [a.method == .none ? "faces: align none (whole frames resized)"
            : "faces: align \(a.method.rawValue), noFace \(a.noFacePolicy.rawValue); eyes \(percent(a.eyeDistance)) of the side apart, "
                + "\(percent(a.eyeLevel)) down; dlib upsample up to \(a.upsample)"]
        if !a.summary.isEmpty { lines.append("  " + a.summary) }
        if !a.noFace.isEmpty {
            let outcome: String
            switch a.noFacePolicy {
            case .error: outcome = "exp run stops on them (set dataset.noFace to skip or center)"
            case .skip: outcome = "left out"
            case .center: outcome = "whole frames resized"
            }
            lines.append("  \(a.missingWhat): \(a.noFace.count) (\(outcome))")
            for s in a.noFace.prefix(listLimit) { lines.append("    \(s.path): \(s.reason)") }
            if a.noFace.count > listLimit { lines.append("    ... and \(a.noFace.count - listLimit) more") }
        }
        if !a.multipleFaces.isEmpty {
            lines.append("  more than one face: \(a.multipleFaces.count) (the largest used)")
            for s in a.multipleFaces.prefix(listLimit) { lines.append("    \(s.path): \(s.reason)") }
            if a.multipleFaces.count > listLimit { lines.append("    ... and \(a.multipleFaces.count - listLimit) more") }
        }
        if let detector = a.detector {
            lines.append("  detector: \(detector); \(a.detectionsRun) detections run, \(a.detectionsFromCache) from the cache")
        }
        if a.facesFromCache > 0 || a.repairedEntries > 0 {
            lines.append("  face images from the cache: \(a.facesFromCache); damaged cache entries redone: \(a.repairedEntries)")
        }
        return lines
    }

    private func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
