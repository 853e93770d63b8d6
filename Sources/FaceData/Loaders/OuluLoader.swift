// Oulu-CASIA NIR&VIS (Zhao et al. 2011), visible light (VL; NI is near infrared), strong illumination:
//   [OriginalImg/][VL/][Strong/]Pxxx/<Expression>/nnn.jpeg, as the database ships, expressions Anger
//   Disgust Fear Happiness Sadness Surprise.
// Section 5.2: the last 3 frames of each sequence; the first frame (onset) is available as neutral.

import Vocabulary

public struct OuluLoader: DatasetLoader {
    public let kind = "oulu"

    public init() {}

    public func load(_ description: DatasetDescription) throws -> Dataset {
        try FileSystem.requireRoot(description.root, expected: "an Oulu-CASIA folder (OriginalImg/VL/Strong/Pxxx/<Expression>/*.jpeg)")
        guard case let .oulu(selection) = description.source else { throw DataError.unknownKind(kind: description.kind, known: [kind]) }
        var root = description.root
        for sub in ["OriginalImg", "VL", "Strong"] where FileSystem.isDirectory(FileSystem.join(root, sub)) {
            root = FileSystem.join(root, sub)
        }
        var builder = DatasetBuilder(description)
        for subject in try FileSystem.subfolders(root) {
            for name in try FileSystem.subfolders(FileSystem.join(root, subject)) {
                let folder = FileSystem.join(root, subject, name)
                let frames = try sequenceFrames(folder)
                if frames.isEmpty { continue }
                guard let expression = Expression(name: name), expression != .neutral, expression != .contempt else {
                    builder.unknown(name, path: folder)
                    continue
                }
                let chosen = FramePick.pick(frames.keys.sorted(), selection)
                builder.addSequence(folder: folder, frames: frames, expression: expression, subject: subject,
                                    sequence: name, chosen: chosen, landmarks: { _ in nil })
            }
        }
        return builder.build()
    }
}
