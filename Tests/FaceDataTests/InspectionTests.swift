// `exp data inspect`'s report: each skip reason once with its count and files, the dataset's root
// (and where a relative one leads; none for generated data), full class names over the fold
// table, and the seed as the user gave it.

import FaceData
import Foundation
import Testing
import Vocabulary

private func dataset(root: String, kind: String = "folder", skipped: [SkippedFile] = []) -> Dataset {
    var samples: [Sample] = []
    for s in 1...4 {
        for (label, e) in Expression.basic6.enumerated() {
            samples.append(Sample(source: .file("\(root)/S00\(s)_\(e.rawValue).png"), label: label, expression: e, subject: "S00\(s)"))
        }
    }
    return Dataset(description: try! DatasetDescription(kind: kind, root: root), classes: Expression.basic6, samples: samples, skipped: skipped)
}

@Test func repeatedSkipReasonsAreCountedOnce() throws {
    let skipped = (1...20).map { SkippedFile(path: "contempt/S\($0)_001.png", reason: "contempt is not in basic6") }
        + [SkippedFile(path: "notes.txt", reason: "not an image")]
    let text = DatasetInspection(dataset: dataset(root: "/data/faces", skipped: skipped)).render(listLimit: 3)
    let lines = text.split(separator: "\n").map(String.init)
    #expect(lines.contains("skipped: 21"))
    #expect(lines.contains("  20 files: contempt is not in basic6"))
    #expect(lines.contains("  1 file: not an image"))
    #expect(lines.filter { $0.contains("contempt is not in basic6") }.count == 1, "\(text)")
    #expect(lines.filter { $0.hasPrefix("    contempt/") }.count == 3)
    #expect(lines.contains("    ... and 17 more"))
    #expect(lines.contains("    notes.txt"))
}

@Test func inspectionShowsTheRootClassNamesAndSeedAsGiven() throws {
    let absolute = DatasetInspection(dataset: dataset(root: "/data/faces")).render()
    #expect(absolute.hasPrefix("dataset folder at /data/faces, classes basic6\n"))
    let relative = DatasetInspection(dataset: dataset(root: "data/faces")).render()
    let cwd = FileManager.default.currentDirectoryPath
    #expect(relative.hasPrefix("dataset folder at data/faces (\(cwd)/data/faces), classes basic6\n"), "\(relative)")
    let generated = DatasetInspection(dataset: dataset(root: "", kind: "synthetic")).render()
    #expect(generated.hasPrefix("dataset synthetic generated in memory, no root folder, classes basic6\n"))

    let d = dataset(root: "/data/faces")
    let folds = try FoldAssignment(dataset: d, folds: 2, seed: 123_456_789)
    let given = DatasetInspection(dataset: d, folds: folds, seedText: "7, the spec's; run 0's split seed 123456789").render()
    #expect(given.contains("2 subject-independent folds (seed 7, the spec's; run 0's split seed 123456789)"))
    let plain = DatasetInspection(dataset: d, folds: folds).render()
    #expect(plain.contains("2 subject-independent folds (seed 123456789)"))
    // Every class name whole over its column, and the counts under it.
    let header = try #require(plain.split(separator: "\n").first { $0.hasPrefix("  fold subjects images") })
    #expect(header == "  fold subjects images  anger    disgust  fear     happiness  sadness  surprise")
    let row = try #require(plain.split(separator: "\n").first { $0.hasPrefix("  0    ") })
    #expect(row.split(separator: " ").count == 3 + 6)
}
