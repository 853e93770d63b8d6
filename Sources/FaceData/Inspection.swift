// A dataset's inspection report, for `exp data inspect`: images per class and per subject, empty
// classes, unknown labels, files skipped and why, frames chosen per sequence and, when folds are
// asked for, each fold's subjects and class counts.

import Foundation

public struct DatasetInspection: Sendable {
    public var dataset: Dataset
    public var folds: FoldAssignment?
    /// The fold seed as the user gave it (a spec's `seed`, from which each run's split seed is
    /// derived); nil: the assignment's own seed.
    public var seedText: String?

    public init(dataset: Dataset, folds: FoldAssignment? = nil, seedText: String? = nil) {
        self.dataset = dataset
        self.folds = folds
        self.seedText = seedText
    }

    /// Where the images come from: the root as given and, when relative, where it leads; generated
    /// datasets have none.
    var source: String {
        let root = dataset.description.root
        if dataset.description.kind == "synthetic" || root.isEmpty { return "generated in memory, no root folder" }
        guard !root.hasPrefix("/") else { return "at \(root)" }
        let cwd = FileManager.default.currentDirectoryPath
        let absolute = ((cwd as NSString).appendingPathComponent(root) as NSString).standardizingPath
        return "at \(root) (\(absolute))"
    }

    /// The report as plain text. `listLimit` caps the skipped files and sequences listed one by one.
    public func render(listLimit: Int = 20) -> String {
        let d = dataset
        var lines: [String] = []
        lines.append("dataset \(d.description.kind) \(source), classes \(d.description.classes.rawValue)")
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
            // One line per reason with its count, then up to `listLimit` of its files.
            lines.append("skipped: \(d.skipped.count)")
            var byReason: [String: [String]] = [:]
            for s in d.skipped { byReason[s.reason, default: []].append(s.path) }
            for (reason, paths) in byReason.sorted(by: { $0.value.count > $1.value.count || ($0.value.count == $1.value.count && $0.key < $1.key) }) {
                lines.append("  \(paths.count) \(paths.count == 1 ? "file" : "files"): \(reason)")
                for path in paths.prefix(listLimit) { lines.append("    \(path)") }
                if paths.count > listLimit { lines.append("    ... and \(paths.count - listLimit) more") }
            }
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
            lines.append("\(folds.folds) subject-independent folds (seed \(seedText ?? String(folds.seed))); test-side images per class:")
            // Each column as wide as its class's whole name and two spaces (at least 9).
            let widths = d.classes.map { max(9, $0.rawValue.count + 2) }
            func trimmed(_ line: String) -> String { line.replacingOccurrences(of: " +$", with: "", options: .regularExpression) }
            lines.append(trimmed("  fold subjects images  " + zip(d.classes, widths).map { pad($0.rawValue, $1) }.joined()))
            let counts = folds.countsPerFold(d)
            for (f, subjects) in folds.subjectsPerFold.enumerated() {
                lines.append(trimmed("  " + pad(String(f), 5) + pad(String(subjects.count), 9) + pad(String(counts[f].reduce(0, +)), 8)
                    + zip(counts[f], widths).map { pad(String($0), $1) }.joined()))
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
