// SyntheticLayouts: writes synthetic faces as a dataset tree in the native layout its FaceData
// loader reads (Sources/FaceData/Loaders), so every loader is tested on disk without a download:
//
// ckplus  cohn-kanade-images/S001/001/S001_001_00000001.png ... _00000008.png (gray, neutral -> peak,
//         the whole head in the frame),
//         Emotion/S001/001/S001_001_00000008_emotion.txt ("   5.0000000e+00", CK+ codes),
//         Landmarks/S001/001/S001_001_<frame>_landmarks.txt (68 lines "   x.xxxxxxxe+01   y.yyyyyyye+01").
// oulu    OriginalImg/VL/Strong/P001/Anger/000.jpeg ... 007.jpeg (RGB, neutral -> peak).
// mmi     <n>/0001.png ... 0009.png, one folder per session (RGB, onset -> apex -> offset, the apex
//         in the middle); labels.csv "sequence,subject,label" with MMI's codes 1-6.
//         Oulu and MMI frames are the face itself, or with `frame` a camera frame of that size with
//         the face somewhere in it (SyntheticFrames), as the real ones are.
// jaffe   AA.AN1.1.tiff ...: subject initials, expression code (AN DI FE HA NE SA SU) with the pose
//         number 1-3, then a running image number, as in JAFFE's KA.AN1.39.tiff (gray, flat folder,
//         3 posed peak images per expression, neutral included).
// ferg    <char>/<char>_<expr>/<char>_<expr>_<n>.png (RGB; expr anger disgust fear joy neutral sadness
//         surprise), <char>/rig.csv "file,expression,AU1,...,AU26": each image's rig parameters.
// folder  <class>/S001_001_00000006.png, the last 3 frames of each sequence (CK+48 style, gray),
//         classes anger disgust fear happy sadness surprise neutral; index.csv
//         "path,label,subject,sequence,frame" lists them, as the CK+48 copy in ../shared/data does
//         (the manifest loader reads it).

import FaceData
import Foundation
import Vocabulary

public enum SyntheticLayout: String, CaseIterable, Sendable {
    case ckplus, oulu, mmi, jaffe, ferg, folder
}

/// One image a layout writer put on disk, and what it was drawn with.
public struct SyntheticImageFile: Equatable, Sendable {
    /// Path relative to the tree's root.
    public var path: String
    public var subject: String
    /// The class the image was drawn for (the class of its sequence).
    public var label: Vocabulary.Expression
    /// Expression intensity: 0 at a sequence's neutral onset (and for neutral), up to 1 at a full peak.
    public var intensity: Float
    /// The 68 landmarks the face was drawn with (iBUG order), in the file's pixels; nil for the
    /// characters.
    public var landmarks: [Point]?

    /// What the image shows: neutral at intensity 0, else `label`.
    public var expression: Vocabulary.Expression { intensity == 0 ? .neutral : label }
}

/// What a layout writer put on disk.
public struct SyntheticTree: Sendable {
    public var files: [SyntheticImageFile] = []
    /// Image sequences (0 for the still-image layouts jaffe and ferg).
    public var sequences = 0
    /// Subject names as the layout writes them (characters for ferg), in order.
    public var subjects: [String] = []

    public var images: Int { files.count }
}

public enum SyntheticLayouts {
    /// Writes `layout` under `root`. For ferg, `subjects` is the number of images per character and
    /// expression (the characters are fixed); for the others, the number of human subjects.
    /// With `frame` (oulu and mmi only), each face of `size` is placed in a camera frame of that size.
    @discardableResult
    public static func write(_ layout: SyntheticLayout, subjects: Int, seed: UInt64, size: Int,
                             frame: FrameSize? = nil, to root: String) throws -> SyntheticTree {
        precondition(subjects > 0 && subjects <= 10_000 && size >= 8,
                     "SyntheticLayouts.write(subjects: \(subjects), size: \(size))")
        precondition(frame == nil || layout == .oulu || layout == .mmi, "SyntheticLayouts.write: frames only for oulu and mmi")
        switch layout {
        case .ckplus: return try writeCKPlus(subjects: subjects, seed: seed, size: size, root: root)
        case .oulu: return try writeOulu(subjects: subjects, seed: seed, size: size, frame: frame, root: root)
        case .mmi: return try writeMMI(subjects: subjects, seed: seed, size: size, frame: frame, root: root)
        case .jaffe: return try writeJAFFE(subjects: subjects, seed: seed, size: size, root: root)
        case .ferg: return try writeFERG(images: subjects, seed: seed, size: size, root: root)
        case .folder: return try writeFolder(subjects: subjects, seed: seed, size: size, root: root)
        }
    }

    /// CK+'s emotion code of an expression (the inverse of the loader's table).
    public static func ckplusCode(_ e: Vocabulary.Expression) -> Int {
        CKPlusLoader.codes.first { $0.value == e }!.key
    }

    /// MMI's emotion code of one of the six basic expressions (the inverse of the loader's table).
    public static func mmiCode(_ e: Vocabulary.Expression) -> String {
        MMILoader.codes.first { $0.value == e }!.key
    }

    /// Class folder names of the CK+48 layout.
    public static func folderName(_ e: Vocabulary.Expression) -> String {
        e == .happiness ? "happy" : e.rawValue
    }

    /// Expression folder names of Oulu-CASIA: Anger, Disgust, Fear, Happiness, Sadness, Surprise.
    public static func ouluName(_ e: Vocabulary.Expression) -> String {
        e.rawValue.prefix(1).uppercased() + e.rawValue.dropFirst()
    }

    /// JAFFE's two-letter expression codes: AN DI FE HA NE SA SU.
    public static func jaffeCode(_ e: Vocabulary.Expression) -> String {
        e.rawValue.prefix(2).uppercased()
    }

    /// Expression names of FERG-DB.
    public static func fergName(_ e: Vocabulary.Expression) -> String {
        e == .happiness ? "joy" : e.rawValue
    }

    /// JAFFE-style subject initials: AA, AB, ... ZZ, then AAA, AAB, ...
    public static func initials(_ index: Int) -> String {
        precondition(index >= 0 && index < 26 * 26 + 26 * 26 * 26, "initials(\(index))")
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var n = index < 676 ? index : index - 676
        var out = ""
        for _ in 0..<(index < 676 ? 2 : 3) {
            out = String(letters[n % 26]) + out
            n /= 26
        }
        return out
    }

    /// One landmark file: a line per point, x then y, as CK+ writes them.
    public static func landmarkText(_ points: [SIMD2<Float>]) -> String {
        points.map { String(format: "%16.7e%16.7e\n", Double($0.x), Double($0.y)) }.joined()
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// The record of a written human image; `origin` is where the face sits in a larger frame.
    private static func file(_ path: String, subject: String, _ r: HumanRecord, origin: (x: Int, y: Int) = (0, 0)) -> SyntheticImageFile {
        SyntheticImageFile(path: path, subject: subject, label: r.label, intensity: r.intensity,
                           landmarks: r.landmarks.map { Point(x: $0.x + Float(origin.x), y: $0.y + Float(origin.y)) })
    }

    /// Where a record's face sits in its frame ((0, 0) without one).
    private static func origin(_ r: HumanRecord, size: Int, frame: FrameSize?, seed: UInt64) -> (x: Int, y: Int) {
        frame.map { SyntheticFrames.origin(faceSize: size, frame: $0, subject: r.subject, seed: seed) } ?? (0, 0)
    }

    private static func writeCKPlus(subjects: Int, seed: UInt64, size: Int, root: String) throws -> SyntheticTree {
        let frames = 8
        // CK+ frames show the whole head inside a larger frame, not a face crop: drawn from further
        // away, the jaw dropped by surprise and fear keeps the chin and its landmarks in the image.
        var camera = HumanVariation.standard
        camera.scale = 0.75...0.83
        let humans = SyntheticHumans(subjects: subjects, seed: seed, size: size, channels: 1, classes: Vocabulary.Expression.basic6,
                                     framesPerSequence: frames, variation: camera)
        var tree = SyntheticTree(subjects: humans.subjects.map(\.name))
        for subject in humans.subjects {
            for q in 0..<humans.sequencesPerSubject {
                let sequence = pad(q + 1, 3)
                let relative = "\(subject.name)/\(sequence)"
                let imageDir = "cohn-kanade-images/\(relative)"
                let landmarkDir = "\(root)/Landmarks/\(relative)"
                let emotionDir = "\(root)/Emotion/\(relative)"
                for dir in ["\(root)/\(imageDir)", landmarkDir, emotionDir] { try SyntheticFiles.makeDirectory(dir) }
                for f in 0..<frames {
                    let r = humans.record(subject: subject.index, sequence: q, frame: f)
                    let stem = "\(subject.name)_\(sequence)_\(pad(f + 1, 8))"
                    let path = "\(imageDir)/\(stem).png"
                    try r.image.writePNG(to: "\(root)/\(path)")
                    try SyntheticFiles.write(landmarkText(r.landmarks), to: "\(landmarkDir)/\(stem)_landmarks.txt")
                    if f == frames - 1 {
                        let code = String(format: "%16.7e\n", Double(ckplusCode(r.label)))
                        try SyntheticFiles.write(code, to: "\(emotionDir)/\(stem)_emotion.txt")
                    }
                    tree.files.append(file(path, subject: subject.name, r))
                }
                tree.sequences += 1
            }
        }
        return tree
    }

    /// A record's image, placed in `frame` at the subject's place when there is one.
    private static func framed(_ r: HumanRecord, size: Int, frame: FrameSize?, seed: UInt64) -> Image {
        guard let frame else { return r.image }
        return SyntheticFrames.place(r.image, in: frame, at: origin(r, size: size, frame: frame, seed: seed))
    }

    private static func writeOulu(subjects: Int, seed: UInt64, size: Int, frame: FrameSize?, root: String) throws -> SyntheticTree {
        let frames = 8
        let humans = SyntheticHumans(subjects: subjects, seed: seed, size: size, channels: 3, classes: Vocabulary.Expression.basic6,
                                     framesPerSequence: frames)
        var tree = SyntheticTree(subjects: humans.subjects.map { "P" + pad($0.index + 1, 3) })
        for subject in humans.subjects {
            let name = tree.subjects[subject.index]
            for q in 0..<humans.sequencesPerSubject {
                let folder = "OriginalImg/VL/Strong/\(name)/\(ouluName(humans.label(sequence: q)))"
                try SyntheticFiles.makeDirectory("\(root)/\(folder)")
                for f in 0..<frames {
                    let r = humans.record(subject: subject.index, sequence: q, frame: f)
                    let path = "\(folder)/\(pad(f, 3)).jpeg"
                    try framed(r, size: size, frame: frame, seed: seed).writeJPEG(to: "\(root)/\(path)")
                    tree.files.append(file(path, subject: name, r, origin: origin(r, size: size, frame: frame, seed: seed)))
                }
                tree.sequences += 1
            }
        }
        return tree
    }

    private static func writeMMI(subjects: Int, seed: UInt64, size: Int, frame: FrameSize?, root: String) throws -> SyntheticTree {
        // Onset to apex in `rise` frames, then back: 2 * rise - 1 frames with the apex in the middle.
        let rise = 5
        let count = 2 * rise - 1
        let humans = SyntheticHumans(subjects: subjects, seed: seed, size: size, channels: 3, classes: Vocabulary.Expression.basic6,
                                     framesPerSequence: rise)
        var tree = SyntheticTree(subjects: humans.subjects.map(\.name))
        var labels = "sequence,subject,label\n"
        for subject in humans.subjects {
            for q in 0..<humans.sequencesPerSubject {
                let session = String(tree.sequences + 1)
                try SyntheticFiles.makeDirectory("\(root)/\(session)")
                for k in 0..<count {
                    let r = humans.record(subject: subject.index, sequence: q, frame: min(k, count - 1 - k))
                    let path = "\(session)/\(pad(k + 1, 4)).png"
                    try framed(r, size: size, frame: frame, seed: seed).writePNG(to: "\(root)/\(path)")
                    tree.files.append(file(path, subject: subject.name, r, origin: origin(r, size: size, frame: frame, seed: seed)))
                }
                labels += "\(session),\(subject.name),\(mmiCode(humans.label(sequence: q)))\n"
                tree.sequences += 1
            }
        }
        try SyntheticFiles.write(labels, to: "\(root)/labels.csv")
        return tree
    }

    private static func writeJAFFE(subjects: Int, seed: UInt64, size: Int, root: String) throws -> SyntheticTree {
        let posed = 3
        let humans = SyntheticHumans(subjects: subjects, seed: seed, size: size, channels: 1,
                                     classes: Vocabulary.Expression.drawable, sequencesPerClass: posed)
        var tree = SyntheticTree(subjects: humans.subjects.map { initials($0.index) })
        try SyntheticFiles.makeDirectory(root)
        var number = 0
        for subject in humans.subjects {
            let name = tree.subjects[subject.index]
            var taken: [Vocabulary.Expression: Int] = [:]
            for q in 0..<humans.sequencesPerSubject {
                let r = humans.record(subject: subject.index, sequence: q, frame: 0)
                taken[r.label, default: 0] += 1
                number += 1
                let path = "\(name).\(jaffeCode(r.label))\(taken[r.label]!).\(number).tiff"
                try r.image.writeTIFF(to: "\(root)/\(path)")
                tree.files.append(file(path, subject: name, r))
            }
        }
        return tree
    }

    private static func writeFERG(images: Int, seed: UInt64, size: Int, root: String) throws -> SyntheticTree {
        let characters = SyntheticCharacters(seed: seed, size: size, imagesPerClass: images)
        var tree = SyntheticTree(subjects: characters.characters.map(\.name))
        let header = "file,expression," + ActionUnit.allCases.map(\.code).joined(separator: ",") + "\n"
        for (c, character) in characters.characters.enumerated() {
            var rig = header
            for e in characters.classes {
                let folder = "\(character.name)_\(fergName(e))"
                try SyntheticFiles.makeDirectory("\(root)/\(character.name)/\(folder)")
                for i in 0..<images {
                    let r = characters.record(character: c, label: e, index: i)
                    let file = "\(folder)/\(folder)_\(i + 1).png"
                    try r.image.writePNG(to: "\(root)/\(character.name)/\(file)")
                    rig += "\(file),\(fergName(e)),"
                        + r.rig.values.map { String(format: "%.4f", Double($0)) }.joined(separator: ",") + "\n"
                    tree.files.append(SyntheticImageFile(path: "\(character.name)/\(file)", subject: character.name,
                                                         label: e, intensity: e == .neutral ? 0 : 1, landmarks: nil))
                }
            }
            try SyntheticFiles.write(rig, to: "\(root)/\(character.name)/rig.csv")
        }
        return tree
    }

    private static func writeFolder(subjects: Int, seed: UInt64, size: Int, root: String) throws -> SyntheticTree {
        let frames = 6
        let humans = SyntheticHumans(subjects: subjects, seed: seed, size: size, channels: 1,
                                     framesPerSequence: frames)
        var tree = SyntheticTree(subjects: humans.subjects.map(\.name))
        var index = "path,label,subject,sequence,frame\n"
        for e in humans.classes { try SyntheticFiles.makeDirectory("\(root)/\(folderName(e))") }
        for subject in humans.subjects {
            for q in 0..<humans.sequencesPerSubject {
                let sequence = pad(q + 1, 3)
                for f in (frames - 3)..<frames {
                    let r = humans.record(subject: subject.index, sequence: q, frame: f)
                    let label = folderName(r.label)
                    let path = "\(label)/\(subject.name)_\(sequence)_\(pad(f + 1, 8)).png"
                    try r.image.writePNG(to: "\(root)/\(path)")
                    index += "\(path),\(label),\(subject.name),\(sequence),\(f + 1)\n"
                    tree.files.append(file(path, subject: subject.name, r))
                }
                tree.sequences += 1
            }
        }
        try SyntheticFiles.write(index, to: "\(root)/index.csv")
        return tree
    }
}
