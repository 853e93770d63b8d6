// A class-folder layout: <root>/<class>/<image>, class folders named for expressions (anger, angry,
// happy, joy, ...), the subject (and optionally sequence and frame) read from the file name by a
// regular expression. CK+48's `S010_004_00000017.png` (subject S010, sequence 004, frame 17) fits
// the default pattern. Every image is used: such folders ship already-selected frames.

import Foundation
import Vocabulary

public struct FolderLoader: DatasetLoader {
    public let kind = "folder"

    public static let defaultPattern = "^(?<subject>[^_.]+)(_(?<sequence>[^_.]+))?(_(?<frame>[0-9]+))?"

    /// The subject of a file name by the default pattern (`S010_004_00000017.png` -> `S010`), as
    /// this loader reads it; nil when nothing precedes the first `_` or `.`.
    public static func subject(ofFileName name: String) -> String? {
        guard let regex = try? Regex(defaultPattern), let match = try? regex.firstMatch(in: name),
              let subject = match.output["subject"]?.substring, !subject.isEmpty else { return nil }
        return String(subject)
    }

    public init() {}

    public func load(_ description: DatasetDescription) throws -> Dataset {
        let root = description.root
        try FileSystem.requireRoot(root, expected: "a folder with one sub-folder of images per expression")
        guard case let .folder(pattern) = description.source else { throw DataError.unknownKind(kind: description.kind, known: [kind]) }
        let regex: Regex<AnyRegexOutput>
        do { regex = try Regex(pattern) } catch {
            throw DataError.badOption(key: "subject", value: pattern, expected: "a valid regular expression (\(error))")
        }
        var builder = DatasetBuilder(description)
        for folder in try FileSystem.subfolders(root) {
            let path = FileSystem.join(root, folder)
            let images = try FileSystem.images(path)
            guard let expression = Vocabulary.Expression(name: folder) else {
                for image in images { builder.unknown(folder, path: FileSystem.join(path, image)) }
                continue
            }
            for image in images {
                let file = FileSystem.join(path, image)
                guard let match = try? regex.firstMatch(in: image) else {
                    throw DataError.badOption(key: "subject", value: pattern,
                                              expected: "a pattern that matches every file name; \(file) does not match")
                }
                let output = match.output
                let subject = output["subject"]?.substring ?? (output.count > 1 ? output[1].substring : nil)
                guard let subject, !subject.isEmpty else {
                    throw DataError.badOption(key: "subject", value: pattern,
                                              expected: "a group (?<subject>...) that captures the subject in \(file)")
                }
                let sequence = output["sequence"]?.substring.map(String.init)
                let frame = output["frame"]?.substring.flatMap { Int($0) }
                builder.add(path: file, expression: expression, subject: String(subject), sequence: sequence, frame: frame)
            }
        }
        return builder.build()
    }
}
