// SyntheticLayouts: writes synthetic faces as a dataset tree in a native layout, so the loaders can be
// tested on disk without a download. PNG layouts only (the JPEG and TIFF ones wait for the codecs):
//
// ckplus  cohn-kanade-images/S001/001/S001_001_00000001.png ... (gray, neutral -> peak),
//         Emotion/S001/001/S001_001_<last>_emotion.txt ("   5.0000000e+00", CK+ codes 1-7),
//         Landmarks/S001/001/S001_001_<frame>_landmarks.txt (68 lines "   x.xxxxxxxe+02   y.yyyyyyye+02").
// folder  <class>/S001_001_00000006.png (the last 3 frames of each sequence, CK+48 style, gray),
//         index.csv "path,label,subject,sequence,frame"; classes anger disgust fear happy sadness
//         surprise neutral.
// mmi     Sessions/<n>/frames/0001.png ... (RGB, onset -> apex -> offset, the apex in the middle),
//         labels.csv "session,subject,emotion,frames".
// ferg    <char>/<char>_<expr>/<char>_<expr>_<n>.png (RGB; expr anger disgust fear joy neutral sadness
//         surprise), <char>/rig.csv "file,expression,AU1,...,AU26": each image's rig parameters.

import Foundation

public enum SyntheticLayout: String, CaseIterable, Sendable {
    case ckplus, oulu, mmi, jaffe, ferg, folder
}

/// What a layout writer put on disk.
public struct SyntheticTreeSummary: Equatable, Sendable {
    public var images = 0
    public var sequences = 0
    public var subjects = 0

    public init(images: Int = 0, sequences: Int = 0, subjects: Int = 0) {
        self.images = images
        self.sequences = sequences
        self.subjects = subjects
    }
}

public enum SyntheticLayouts {
    /// CK+ emotion codes (Lucey et al. 2010): 0 neutral, 1 anger, 2 contempt, 3 disgust, 4 fear,
    /// 5 happy, 6 sadness, 7 surprise.
    public static func ckplusCode(_ e: Emotion) -> Int {
        switch e {
        case .neutral: 0
        case .anger: 1
        case .disgust: 3
        case .fear: 4
        case .happiness: 5
        case .sadness: 6
        case .surprise: 7
        }
    }

    /// Class folder names of the CK+48 layout.
    public static func folderName(_ e: Emotion) -> String {
        e == .happiness ? "happy" : e.name
    }

    /// Expression names of FERG-DB.
    public static func fergName(_ e: Emotion) -> String {
        e == .happiness ? "joy" : e.name
    }

    /// Writes `layout` under `root`. For ferg, `subjects` is the number of images per character and
    /// expression (the characters are fixed); for the others, the number of human subjects.
    @discardableResult
    public static func write(_ layout: SyntheticLayout, subjects: Int, seed: UInt64, size: Int,
                             to root: String) throws -> SyntheticTreeSummary {
        precondition(subjects > 0 && size >= 8, "SyntheticLayouts.write(subjects: \(subjects), size: \(size))")
        switch layout {
        case .ckplus: return try writeCKPlus(subjects: subjects, seed: seed, size: size, root: root)
        case .folder: return try writeFolder(subjects: subjects, seed: seed, size: size, root: root)
        case .mmi: return try writeMMI(subjects: subjects, seed: seed, size: size, root: root)
        case .ferg: return try writeFERG(images: subjects, seed: seed, size: size, root: root)
        case .oulu: throw SyntheticWriteError.layoutNeedsCodec(layout: "oulu", format: "JPEG")
        case .jaffe: throw SyntheticWriteError.layoutNeedsCodec(layout: "jaffe", format: "TIFF")
        }
    }

    /// One landmark file: a line per point, x then y, as CK+ writes them.
    public static func landmarkText(_ points: [SIMD2<Float>]) -> String {
        points.map { String(format: "%16.7e%16.7e\n", Double($0.x), Double($0.y)) }.joined()
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    private static func writeCKPlus(subjects: Int, seed: UInt64, size: Int, root: String) throws -> SyntheticTreeSummary {
        let frames = 8
        let humans = SyntheticHumans(subjects: subjects, seed: seed, size: size, channels: 1, classes: Emotion.basic,
                                     framesPerSequence: frames)
        var summary = SyntheticTreeSummary(subjects: subjects)
        for subject in humans.subjects {
            for q in 0..<humans.sequencesPerSubject {
                let sequence = pad(q + 1, 3)
                let relative = "\(subject.name)/\(sequence)"
                let imageDir = "\(root)/cohn-kanade-images/\(relative)"
                let landmarkDir = "\(root)/Landmarks/\(relative)"
                let emotionDir = "\(root)/Emotion/\(relative)"
                for dir in [imageDir, landmarkDir, emotionDir] { try SyntheticFiles.makeDirectory(dir) }
                for f in 0..<frames {
                    let r = humans.record(subject: subject.index, sequence: q, frame: f)
                    let stem = "\(subject.name)_\(sequence)_\(pad(f + 1, 8))"
                    try writeSyntheticPNG(r.image, to: "\(imageDir)/\(stem).png")
                    try SyntheticFiles.write(landmarkText(r.landmarks), to: "\(landmarkDir)/\(stem)_landmarks.txt")
                    if f == frames - 1 {
                        let code = String(format: "%16.7e\n", Double(ckplusCode(r.label)))
                        try SyntheticFiles.write(code, to: "\(emotionDir)/\(stem)_emotion.txt")
                    }
                    summary.images += 1
                }
                summary.sequences += 1
            }
        }
        return summary
    }

    private static func writeFolder(subjects: Int, seed: UInt64, size: Int, root: String) throws -> SyntheticTreeSummary {
        let frames = 6
        let humans = SyntheticHumans(subjects: subjects, seed: seed, size: size, channels: 1,
                                     framesPerSequence: frames)
        var summary = SyntheticTreeSummary(subjects: subjects)
        var index = "path,label,subject,sequence,frame\n"
        for e in Emotion.allCases { try SyntheticFiles.makeDirectory("\(root)/\(folderName(e))") }
        for subject in humans.subjects {
            for q in 0..<humans.sequencesPerSubject {
                for f in (frames - 3)..<frames {
                    let r = humans.record(subject: subject.index, sequence: q, frame: f)
                    let label = folderName(r.label)
                    let path = "\(label)/\(subject.name)_\(pad(q + 1, 3))_\(pad(f + 1, 8)).png"
                    try writeSyntheticPNG(r.image, to: "\(root)/\(path)")
                    index += "\(path),\(label),\(subject.name),\(pad(q + 1, 3)),\(f + 1)\n"
                    summary.images += 1
                }
                summary.sequences += 1
            }
        }
        try SyntheticFiles.write(index, to: "\(root)/index.csv")
        return summary
    }

    private static func writeMMI(subjects: Int, seed: UInt64, size: Int, root: String) throws -> SyntheticTreeSummary {
        // Onset to apex in `rise` frames, then back: 2 * rise - 1 frames with the apex in the middle.
        let rise = 5
        let humans = SyntheticHumans(subjects: subjects, seed: seed, size: size, channels: 3, classes: Emotion.basic,
                                     framesPerSequence: rise)
        var summary = SyntheticTreeSummary(subjects: subjects)
        var labels = "session,subject,emotion,frames\n"
        var session = 0
        for subject in humans.subjects {
            for q in 0..<humans.sequencesPerSubject {
                session += 1
                let dir = "\(root)/Sessions/\(session)/frames"
                try SyntheticFiles.makeDirectory(dir)
                let count = 2 * rise - 1
                for k in 0..<count {
                    let r = humans.record(subject: subject.index, sequence: q, frame: min(k, count - 1 - k))
                    try writeSyntheticPNG(r.image, to: "\(dir)/\(pad(k + 1, 4)).png")
                    summary.images += 1
                }
                labels += "\(session),\(subject.name),\(humans.label(sequence: q).name),\(count)\n"
                summary.sequences += 1
            }
        }
        try SyntheticFiles.write(labels, to: "\(root)/labels.csv")
        return summary
    }

    private static func writeFERG(images: Int, seed: UInt64, size: Int, root: String) throws -> SyntheticTreeSummary {
        let characters = SyntheticCharacters(seed: seed, size: size, imagesPerClass: images)
        var summary = SyntheticTreeSummary(subjects: characters.characters.count)
        let header = "file,expression," + ActionUnit.allCases.map(\.code).joined(separator: ",") + "\n"
        for (c, character) in characters.characters.enumerated() {
            var rig = header
            for e in Emotion.allCases {
                let folder = "\(character.name)_\(fergName(e))"
                try SyntheticFiles.makeDirectory("\(root)/\(character.name)/\(folder)")
                for i in 0..<images {
                    let r = characters.record(character: c, label: e, index: i)
                    let file = "\(folder)/\(folder)_\(i + 1).png"
                    try writeSyntheticPNG(r.image, to: "\(root)/\(character.name)/\(file)")
                    rig += "\(file),\(fergName(e)),"
                        + r.rig.values.map { String(format: "%.4f", Double($0)) }.joined(separator: ",") + "\n"
                    summary.images += 1
                }
                summary.sequences += 1
            }
            try SyntheticFiles.write(rig, to: "\(root)/\(character.name)/rig.csv")
        }
        return summary
    }
}
