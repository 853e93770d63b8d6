// A CSV manifest: header `path,label,subject` with optional `sequence` and `frame` columns; paths
// relative to the CSV's folder; labels are expression names. The root is the CSV file, or a folder
// holding `manifest.csv` (option `file` names another).

public struct ManifestLoader: DatasetLoader {
    public let kind = "csv"

    public init() {}

    public func load(_ description: DatasetDescription) throws -> Dataset {
        guard case let .manifest(file) = description.source else { throw DataError.unknownKind(kind: description.kind, known: [kind]) }
        var csv = description.root
        if FileSystem.isDirectory(csv) { csv = FileSystem.join(csv, file) }
        guard FileSystem.exists(csv) else {
            throw DataError.missingPath(path: csv, expected: "a CSV manifest with columns path,label,subject[,sequence,frame]")
        }
        let base = (csv as NSString).deletingLastPathComponent
        let rows = CSV.rows(try FileSystem.readText(csv))
        let header = rows.first?.map { $0.lowercased() } ?? []
        guard let pathColumn = header.firstIndex(of: "path"), let labelColumn = header.firstIndex(of: "label"),
              let subjectColumn = header.firstIndex(of: "subject") else {
            throw DataError.badFile(path: csv, line: 1, reason: "expected a header with columns path,label,subject")
        }
        let sequenceColumn = header.firstIndex(of: "sequence"), frameColumn = header.firstIndex(of: "frame")
        var builder = DatasetBuilder(description)
        for (index, fields) in rows.dropFirst().enumerated() {
            guard fields.count == header.count else {
                throw DataError.badFile(path: csv, line: index + 2, reason: "expected \(header.count) fields, found \(fields.count)")
            }
            let relative = fields[pathColumn]
            let path = relative.hasPrefix("/") ? relative : FileSystem.join(base, relative)
            guard let expression = Vocabulary.Expression(name: fields[labelColumn]) else {
                builder.unknown(fields[labelColumn], path: path)
                continue
            }
            var frame: Int?
            if let frameColumn, !fields[frameColumn].isEmpty {
                guard let value = Int(fields[frameColumn]) else {
                    throw DataError.badFile(path: csv, line: index + 2, reason: "frame '\(fields[frameColumn])' is not an integer")
                }
                frame = value
            }
            builder.add(path: path, expression: expression, subject: fields[subjectColumn],
                        sequence: sequenceColumn.map { fields[$0] }, frame: frame)
        }
        return builder.build()
    }
}

import Foundation
import Vocabulary
