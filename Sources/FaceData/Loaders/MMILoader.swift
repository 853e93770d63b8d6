// MMI (Pantic et al. 2005; Valstar and Pantic 2010): one folder of frames per sequence and a CSV
// with a header `sequence,subject,label` (label: an expression name or MMI's code 1 anger,
// 2 disgust, 3 fear, 4 happiness, 5 sadness, 6 surprise). Section 5.2: the middle 3 frames (apex);
// the first frame (onset) is available as neutral.

import Vocabulary

public struct MMILoader: DatasetLoader {
    public let kind = "mmi"

    public init() {}

    /// MMI label codes.
    public static let codes: [String: Expression] = [
        "1": .anger, "2": .disgust, "3": .fear, "4": .happiness, "5": .sadness, "6": .surprise,
    ]

    public func load(_ description: DatasetDescription) throws -> Dataset {
        let root = description.root
        try FileSystem.requireRoot(root, expected: "an MMI folder of sequence folders and labels.csv")
        guard case let .mmi(selection, labelsFile) = description.source else { throw DataError.unknownKind(kind: description.kind, known: [kind]) }
        let labels = FileSystem.join(root, labelsFile)
        guard FileSystem.exists(labels) else {
            throw DataError.missingPath(path: labels, expected: "the MMI label CSV with columns sequence,subject,label")
        }
        let rows = CSV.rows(try FileSystem.readText(labels))
        let header = rows.first?.map { $0.lowercased() } ?? []
        guard let sequenceColumn = header.firstIndex(of: "sequence"), let subjectColumn = header.firstIndex(of: "subject"),
              let labelColumn = header.firstIndex(of: "label") else {
            throw DataError.badFile(path: labels, line: 1, reason: "expected a header with columns sequence,subject,label")
        }
        var builder = DatasetBuilder(description)
        for (index, fields) in rows.dropFirst().enumerated() {
            guard fields.count > max(sequenceColumn, subjectColumn, labelColumn) else {
                throw DataError.badFile(path: labels, line: index + 2, reason: "expected \(header.count) fields, found \(fields.count)")
            }
            let sequence = fields[sequenceColumn], subject = fields[subjectColumn], label = fields[labelColumn]
            let folder = FileSystem.join(root, sequence)
            guard FileSystem.isDirectory(folder) else {
                throw DataError.badFile(path: labels, line: index + 2, reason: "sequence folder \(folder) does not exist")
            }
            guard let expression = Self.codes[label] ?? Expression(name: label), expression != .neutral else {
                builder.unknown(label, path: folder)
                continue
            }
            let frames = try sequenceFrames(folder)
            if frames.isEmpty {
                builder.skipped.append(SkippedFile(path: folder, reason: "sequence folder holds no image"))
                continue
            }
            let chosen = FramePick.pick(frames.keys.sorted(), selection)
            builder.addSequence(folder: folder, frames: frames, expression: expression, subject: subject,
                                sequence: sequence, chosen: chosen, landmarks: { _ in nil })
        }
        return builder.build()
    }
}
