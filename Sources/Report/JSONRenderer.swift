// JSONRenderer: the whole report model as JSON (sorted keys, fractions not percentages).

import Foundation

enum JSONRenderer {
    static func render(_ report: Report) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }
}
