// Synthetic dataset trees: every layout loads back through its FaceData loader with the samples,
// subjects and labels it was drawn with; the CK+ label and landmark files have CK+'s text format;
// MMI sequences mirror around the apex; FERG images carry their rig parameters.

import FaceData
import Foundation
import SyntheticFaces
import TestSupport
import Testing
import Vocabulary

private func files(under root: String, ending suffix: String) -> [String] {
    let all = FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []
    return all.filter { $0.hasSuffix(suffix) }.sorted()
}

/// Samples each layout's loader should return with the basic7 classes, for `n` subjects (ferg: `n`
/// images per character and expression), and the subject names it writes.
private func expected(_ layout: SyntheticLayout, _ n: Int) -> (samples: Int, subjects: Set<String>) {
    let humans = Set((1...n).map { String(format: "S%03d", $0) })
    switch layout {
    // Six sequences per subject; the last 3 frames (middle 3 for MMI) and the first as neutral.
    case .ckplus, .mmi: return (n * 6 * 4, humans)
    case .oulu: return (n * 6 * 4, Set((1...n).map { String(format: "P%03d", $0) }))
    // Three posed images of each of the seven expressions.
    case .jaffe: return (n * 7 * 3, Set(["AA", "AB", "AC"].prefix(n)))
    case .ferg: return (SyntheticCharacter.all.count * 7 * n, Set(SyntheticCharacter.all.map(\.name)))
    // The last 3 frames of a sequence of each of the seven classes.
    case .folder: return (n * 7 * 3, humans)
    }
}

@Test(arguments: SyntheticLayout.allCases)
func layoutLoadsBackThroughItsLoader(_ layout: SyntheticLayout) throws {
    let folder = try TemporaryFolder()
    let n = 2, size = 24
    let tree = try SyntheticLayouts.write(layout, subjects: n, seed: 7, size: size, to: folder.path)
    let written = Dictionary(uniqueKeysWithValues: tree.files.map { ($0.path, $0) })
    #expect(written.count == tree.images)

    let dataset = try DatasetLoaders.builtIn.load(DatasetDescription(kind: layout.rawValue, root: folder.path,
                                                                     classes: .basic7))
    let (count, subjects) = expected(layout, n)
    #expect(dataset.samples.count == count)
    #expect(Set(dataset.subjects) == subjects)
    #expect(Set(tree.subjects) == subjects)
    #expect(Set(dataset.samples.map(\.expression)) == Set(Vocabulary.Expression.drawable))
    for sample in dataset.samples {
        guard case .file(let path) = sample.source else {
            Issue.record("\(layout): a sample not read from a file")
            continue
        }
        let relative = String(path.dropFirst(folder.path.count + 1))
        let file = try #require(written[relative], "\(layout): \(relative) was not written")
        #expect(sample.expression == file.expression, "\(layout): \(relative)")
        #expect(sample.label == ClassSet.basic7.label(of: file.expression))
        #expect(sample.subject == file.subject)
        if layout == .ckplus {
            let points = try #require(sample.landmarks, "\(relative) has no landmarks")
            #expect(points.count == 68)
            #expect(points.allSatisfy { $0.x > 0 && $0.x < Float(size) && $0.y > 0 && $0.y < Float(size) })
        }
    }
    if layout == .folder {
        // Its index.csv, a manifest, lists the same images with the same labels and subjects.
        let manifest = try DatasetLoaders.builtIn.load(DatasetDescription(kind: "csv", root: folder.path + "/index.csv",
                                                                          classes: .basic7))
        func key(_ s: Sample) -> String { "\(s.source.name) \(s.expression) \(s.subject) \(s.frame ?? -1)" }
        #expect(Set(manifest.samples.map(key)) == Set(dataset.samples.map(key)))
    }
}

@Test func ckplusTreeHasCKPlusLabelAndLandmarkText() throws {
    let folder = try TemporaryFolder()
    let root = folder.path
    let tree = try SyntheticLayouts.write(.ckplus, subjects: 2, seed: 5, size: 48, to: root)
    #expect(tree.images == 2 * 6 * 8 && tree.sequences == 12)
    let images = files(under: "\(root)/cohn-kanade-images", ending: ".png")
    #expect(images.count == 96)
    #expect(images.first == "S001/001/S001_001_00000001.png")
    let emotions = files(under: "\(root)/Emotion", ending: "_emotion.txt")
    #expect(emotions.count == 12)
    #expect(emotions.first == "S001/001/S001_001_00000008_emotion.txt")
    // Sequences cycle through anger, disgust, fear, happiness, sadness, surprise: CK+ codes 1 3 4 5 6 7.
    var codes = [String]()
    for e in emotions where e.hasPrefix("S002") {
        codes.append(try String(contentsOfFile: "\(root)/Emotion/\(e)", encoding: .utf8))
    }
    #expect(codes == ["   1.0000000e+00\n", "   3.0000000e+00\n", "   4.0000000e+00\n", "   5.0000000e+00\n",
                      "   6.0000000e+00\n", "   7.0000000e+00\n"])
    let landmarks = files(under: "\(root)/Landmarks", ending: "_landmarks.txt")
    #expect(landmarks.count == 96)
    let lines = try String(contentsOfFile: "\(root)/Landmarks/\(landmarks[0])", encoding: .utf8).split(separator: "\n")
    let pattern = try Regex(#"^ +[0-9]\.[0-9]{7}e[+-][0-9]{2} +[0-9]\.[0-9]{7}e[+-][0-9]{2}$"#)
    #expect(lines.count == 68 && lines.allSatisfy { $0.wholeMatch(of: pattern) != nil })
}

@Test func mmiSessionsMirrorAroundTheApex() throws {
    let folder = try TemporaryFolder()
    let root = folder.path
    try SyntheticLayouts.write(.mmi, subjects: 1, seed: 2, size: 32, to: root)
    let labels = try String(contentsOfFile: "\(root)/labels.csv", encoding: .utf8).split(separator: "\n")
    // Header, then sessions 1-6 with MMI's codes: anger 1, disgust 2, ..., surprise 6.
    #expect(labels == ["sequence,subject,label"] + (1...6).map { "\($0),S001,\($0)" })
    #expect(files(under: "\(root)/6", ending: ".png") == (1...9).map { String(format: "%04d.png", $0) })
    let first = try Image(contentsOf: "\(root)/6/0001.png"), last = try Image(contentsOf: "\(root)/6/0009.png")
    let apex = try Image(contentsOf: "\(root)/6/0005.png")
    #expect(first == last && first != apex)
}

@Test func jaffeAndOuluUseTheirNamesAndFormats() throws {
    let folder = try TemporaryFolder()
    try SyntheticLayouts.write(.jaffe, subjects: 1, seed: 2, size: 32, to: "\(folder.path)/jaffe")
    let jaffe = try FileManager.default.contentsOfDirectory(atPath: "\(folder.path)/jaffe")
    #expect(jaffe.count == 21)
    #expect(jaffe.contains("AA.AN1.1.tiff") && jaffe.contains("AA.NE3.21.tiff") && jaffe.contains("AA.HA2.11.tiff"))
    #expect(try Image(contentsOf: "\(folder.path)/jaffe/AA.SU1.6.tiff").channels == 1)
    try SyntheticLayouts.write(.oulu, subjects: 1, seed: 2, size: 32, to: "\(folder.path)/oulu")
    let strong = "\(folder.path)/oulu/OriginalImg/VL/Strong/P001"
    #expect(try FileManager.default.contentsOfDirectory(atPath: strong).sorted()
            == ["Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise"])
    #expect(files(under: "\(strong)/Fear", ending: ".jpeg") == (0..<8).map { String(format: "%03d.jpeg", $0) })
    #expect(try Image(contentsOf: "\(strong)/Fear/007.jpeg").channels == 3)
    #expect(SyntheticLayouts.initials(0) == "AA" && SyntheticLayouts.initials(675) == "ZZ"
            && SyntheticLayouts.initials(676) == "AAA")
}

@Test func fergTreeHasCharactersExpressionsAndRigs() throws {
    let folder = try TemporaryFolder()
    let root = folder.path
    try SyntheticLayouts.write(.ferg, subjects: 2, seed: 2, size: 32, to: root)
    for character in SyntheticCharacter.all {
        let images = files(under: "\(root)/\(character.name)", ending: ".png")
        #expect(images.count == 14)
        #expect(images.contains("\(character.name)_joy/\(character.name)_joy_2.png"))
        let rig = try String(contentsOfFile: "\(root)/\(character.name)/rig.csv", encoding: .utf8).split(separator: "\n")
        #expect(rig[0].hasPrefix("file,expression,AU1,AU2,AU4,"))
        #expect(rig.count == 15)
        let joy = try #require(rig.first { $0.hasPrefix("\(character.name)_joy/") }).split(separator: ",")
        // Happiness is AU6 + AU12: columns 2 + index of AU6 (4) and AU12 (8).
        #expect(joy[6] == "1.0000" && joy[10] == "1.0000" && joy[2] == "0.0000")
    }
}

@Test func contemptIsRefusedWithAReason() throws {
    let description = try DatasetDescription(kind: "synthetic", root: "", classes: .basic6Contempt)
    #expect {
        try SyntheticDatasetLoader().load(description)
    } throws: { error in
        guard case DataError.badOption(let key, let value, let expected) = error else { return false }
        return key == "classes" && value == "basic6+contempt" && expected.contains("cannot draw contempt")
    }
    #expect(Vocabulary.Expression.drawable == ClassSet.basic7.expressions)
}
