// JAFFE (Lyons et al. 1998): TIFF files named SUBJECT.EXPRn.NUMBER.tiff, for example KA.AN1.39.tiff,
// with expression codes AN DI FE HA SA SU NE. Every image is used (no sequences).

import Foundation
import Vocabulary

public struct JAFFELoader: DatasetLoader {
    public let kind = "jaffe"

    public init() {}

    public func load(_ description: DatasetDescription) throws -> Dataset {
        let root = description.root
        try FileSystem.requireRoot(root, expected: "a JAFFE folder of files like KA.AN1.39.tiff")
        var builder = DatasetBuilder(description)
        let names = try FileSystem.list(root).filter { !FileSystem.isDirectory(FileSystem.join(root, $0)) }
        for name in names {
            let path = FileSystem.join(root, name)
            let parts = name.split(separator: ".")
            let ext = parts.last.map { $0.lowercased() } ?? ""
            guard ext == "tiff" || ext == "tif" else { continue }
            guard parts.count == 4, parts[1].count >= 2, let number = Int(parts[2]) else {
                builder.skipped.append(SkippedFile(path: path, reason: "name is not SUBJECT.EXPRn.NUMBER.tiff"))
                continue
            }
            let code = String(parts[1].prefix(2))
            guard let expression = Vocabulary.Expression(name: code), expression != .contempt else {
                builder.unknown(code, path: path)
                continue
            }
            builder.add(path: path, expression: expression, subject: String(parts[0]), frame: number)
        }
        return builder.build()
    }
}
