// FERG-DB (Aneja et al. 2016), the stylised characters of HA-GAN's character domain:
//   <char>/<char>_<expr>/<char>_<expr>_<n>.png, expressions anger disgust fear joy neutral sadness
//   surprise. The character is the subject. Neutral images are kept when the class set has neutral
//   (HA-GAN's L1 target is the character's neutral image, section 3).

public struct FERGLoader: DatasetLoader {
    public let kind = "ferg"

    public init() {}

    public func load(_ description: DatasetDescription) throws -> Dataset {
        let root = description.root
        try FileSystem.requireRoot(root, expected: "a FERG-DB folder (<char>/<char>_<expr>/*.png)")
        let available = try FileSystem.subfolders(root)
        var characters = available
        guard case let .ferg(chosen) = description.source else { throw DataError.unknownKind(kind: description.kind, known: [kind]) }
        if let chosen {
            characters = chosen
            for c in characters where !available.contains(c) {
                throw DataError.badOption(key: "characters", value: chosen.joined(separator: ","),
                                          expected: "character folders of \(root): \(available.joined(separator: ", "))")
            }
        }
        var builder = DatasetBuilder(description)
        for character in characters {
            let characterFolder = FileSystem.join(root, character)
            for folder in try FileSystem.subfolders(characterFolder) {
                let path = FileSystem.join(characterFolder, folder)
                let prefix = character + "_"
                let name = folder.hasPrefix(prefix) ? String(folder.dropFirst(prefix.count)) : folder
                let images = try FileSystem.images(path)
                guard let expression = Vocabulary.Expression(name: name), expression != .contempt else {
                    for image in images { builder.unknown(name, path: FileSystem.join(path, image)) }
                    continue
                }
                for image in images {
                    builder.add(path: FileSystem.join(path, image), expression: expression, subject: character,
                                frame: FileSystem.trailingNumber(image))
                }
            }
        }
        return builder.build()
    }
}

import Foundation
import Vocabulary
