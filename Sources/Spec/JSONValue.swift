// JSONValue: the JSON tree that specs are parsed into, overridden, validated and hashed, and its
// canonical serialisation (sorted keys, no insignificant whitespace) that identifies an experiment.

/// A parsed JSON document. Integer literals that fit in `Int64` stay exact (`.integer`), so seeds
/// above 2^53 survive; every other number is a `Double`.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The JSON type name used in error messages ("object", "string", ...).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Canonical text: object keys sorted by their UTF-8 bytes, no whitespace, integral numbers
    /// below 2^53 written as integers (so `5`, `5.0` and `5e0` agree), other numbers in Swift's
    /// shortest round-trip form, strings with only the escapes JSON requires.
    public var canonicalText: String {
        var out = ""
        writeCanonical(into: &out)
        return out
    }

    /// Indented text for people (a spec file written by `exp tune --write-spec`): keys sorted as
    /// in the canonical text, two spaces per level, lists of plain values on one line.
    public var prettyText: String {
        var out = ""
        writePretty(into: &out, indent: "")
        return out + "\n"
    }

    private func writePretty(into out: inout String, indent: String) {
        let inner = indent + "  "
        switch self {
        case .object(let fields) where !fields.isEmpty:
            let keys = fields.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            out += "{\n"
            for (i, key) in keys.enumerated() {
                out += inner
                JSONValue.writeString(key, into: &out)
                out += ": "
                fields[key]!.writePretty(into: &out, indent: inner)
                out += i < keys.count - 1 ? ",\n" : "\n"
            }
            out += indent + "}"
        case .array(let items) where items.contains(where: { if case .object = $0 { true } else if case .array = $0 { true } else { false } }):
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += inner
                item.writePretty(into: &out, indent: inner)
                out += i < items.count - 1 ? ",\n" : "\n"
            }
            out += indent + "]"
        case .array(let items):
            out += "[" + items.map(\.canonicalText).joined(separator: ", ") + "]"
        default:
            writeCanonical(into: &out)
        }
    }

    private func writeCanonical(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let d):
            if d == d.rounded(), abs(d) < 9_007_199_254_740_992 {
                out += String(Int64(d))
            } else {
                out += "\(d)"
            }
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.writeCanonical(into: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            let keys = fields.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            for (i, key) in keys.enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(key, into: &out)
                out += ":"
                fields[key]!.writeCanonical(into: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
