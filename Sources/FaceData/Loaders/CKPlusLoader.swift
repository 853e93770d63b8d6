// CK+ (Lucey et al. 2010) in its shipped layout:
//   cohn-kanade-images/Sxxx/yyy/Sxxx_yyy_zzzzzzzz.png
//   Emotion/Sxxx/yyy/Sxxx_yyy_zzzzzzzz_emotion.txt   (one number: 1 anger, 2 contempt, 3 disgust,
//                                                     4 fear, 5 happy, 6 sadness, 7 surprise)
//   Landmarks/Sxxx/yyy/Sxxx_yyy_zzzzzzzz_landmarks.txt (optional, 68 points)
// Section 5.2: the last 3 frames of each labelled sequence; contempt is dropped for six classes;
// the first frame (neutral onset) is available as neutral.

public struct CKPlusLoader: DatasetLoader {
    public let kind = "ckplus"

    public init() {}

    /// CK+ `Emotion/` file codes.
    public static let codes: [Int: Vocabulary.Expression] = [
        1: .anger, 2: .contempt, 3: .disgust, 4: .fear, 5: .happiness, 6: .sadness, 7: .surprise,
    ]

    public func load(_ description: DatasetDescription) throws -> Dataset {
        let root = description.root
        try FileSystem.requireRoot(root, expected: "a CK+ folder holding cohn-kanade-images/ and Emotion/")
        guard case let .ckplus(selection, imagesFolder, emotionFolder, landmarksFolder) = description.source else {
            throw DataError.unknownKind(kind: description.kind, known: [kind])
        }
        let images = FileSystem.join(root, imagesFolder)
        let emotion = FileSystem.join(root, emotionFolder)
        let landmarkRoot = FileSystem.join(root, landmarksFolder)
        guard FileSystem.isDirectory(images) else {
            throw DataError.missingPath(path: images, expected: "the CK+ image folder (Sxxx/yyy/*.png)")
        }
        guard FileSystem.isDirectory(emotion) else {
            throw DataError.missingPath(path: emotion, expected: "the CK+ label folder (Sxxx/yyy/*_emotion.txt)")
        }
        let hasLandmarks = FileSystem.isDirectory(landmarkRoot)
        var builder = DatasetBuilder(description)
        for subject in try FileSystem.subfolders(images) {
            for sequence in try FileSystem.subfolders(FileSystem.join(images, subject)) {
                let folder = FileSystem.join(images, subject, sequence)
                let frames = try sequenceFrames(folder)
                if frames.isEmpty { continue }
                let labelFolder = FileSystem.join(emotion, subject, sequence)
                let labelFiles = FileSystem.isDirectory(labelFolder)
                    ? try FileSystem.list(labelFolder).filter { $0.hasSuffix("_emotion.txt") } : []
                guard let labelName = labelFiles.last else {
                    builder.skipped.append(SkippedFile(path: folder, reason: "no emotion label (unlabelled sequence)"))
                    continue
                }
                let labelPath = FileSystem.join(labelFolder, labelName)
                let code = try Self.readCode(labelPath)
                guard let expression = Self.codes[code] else {
                    builder.unknown(String(code), path: labelPath)
                    continue
                }
                let chosen = FramePick.pick(frames.keys.sorted(), selection)
                try builder.addSequence(
                    folder: folder, frames: frames, expression: expression, subject: subject, sequence: sequence,
                    chosen: chosen,
                    landmarks: { frame in
                        guard hasLandmarks else { return nil }
                        let stem = ((frames[frame]! as NSString).lastPathComponent as NSString).deletingPathExtension
                        let path = FileSystem.join(landmarkRoot, subject, sequence, stem + "_landmarks.txt")
                        return FileSystem.exists(path) ? try CKPlusLandmarks.read(path) : nil
                    })
            }
        }
        return builder.build()
    }

    /// The integer code of an emotion file (`   3.0000000e+00`).
    static func readCode(_ path: String) throws -> Int {
        let text = try FileSystem.readText(path).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let value = Double(text), value == value.rounded(), abs(value) < 1000 else {
            throw DataError.badFile(path: path, line: 1, reason: "expected one emotion code 1-7, found '\(text.prefix(40))'")
        }
        return Int(value)
    }
}

import Foundation
import Vocabulary
