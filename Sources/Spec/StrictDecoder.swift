// StrictDecoder: a `Decoder` over `JSONValue` that turns Codable's silent acceptance of unknown keys
// into errors. Each object remembers which keys its type asked for (decode, decodeIfPresent or
// contains); once the type's `init(from:)` returns, any other key present is reported with its
// path and the list of keys that were asked for. Type errors name the path and the expected type;
// a Vocabulary `SpecChoice` is read from its spelling, and an unknown one lists the allowed spellings.

import Vocabulary

/// Decodes a `Decodable` value from a JSON tree, rejecting unknown keys.
public enum StrictJSON {
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try StrictDecoder.decode(type, from: value, codingPath: [])
    }
}

struct IndexKey: CodingKey {
    let intValue: Int?
    let stringValue: String
    init(_ index: Int) { intValue = index; stringValue = String(index) }
    init?(intValue: Int) { self.init(intValue) }
    init?(stringValue: String) { return nil }
}

final class StrictDecoder: Decoder, SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [CodingKey]
    let userInfo: [CodingUserInfoKey: Any] = [:]
    private(set) var askedKeys: Set<String> = []
    private var usedKeyedContainer = false

    init(value: JSONValue, codingPath: [CodingKey]) {
        self.value = value
        self.codingPath = codingPath
    }

    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, codingPath: [CodingKey]) throws -> T {
        if let choice = type as? any SpecChoice.Type {
            return try decodeChoice(choice, from: value, codingPath: codingPath) as! T
        }
        let decoder = StrictDecoder(value: value, codingPath: codingPath)
        let result = try T(from: decoder)
        try decoder.rejectUnaskedKeys()
        return result
    }

    /// A `SpecChoice` (Vocabulary) from its spelling; the error lists the allowed spellings.
    private static func decodeChoice(_ type: any SpecChoice.Type, from value: JSONValue, codingPath: [CodingKey]) throws -> any SpecChoice {
        guard case .string(let text) = value else {
            throw SpecError.wrongType(path: formatPath(codingPath), expected: "a string", found: describeFound(value))
        }
        guard let choice = type.named(text) else {
            throw SpecError.invalidValue(path: formatPath(codingPath), value: "\"\(text)\"",
                                         allowed: type.allowedValues.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        return choice
    }

    func ask(_ key: String) { askedKeys.insert(key) }

    private func rejectUnaskedKeys() throws {
        guard usedKeyedContainer, case .object(let fields) = value else { return }
        let unknown = fields.keys.filter { !askedKeys.contains($0) }.sorted()
        if let first = unknown.first {
            throw SpecError.unknownKey(
                path: formatPath(codingPath.map { SpecPathComponentKey($0) } + [SpecPathComponentKey(first)]),
                allowed: askedKeys.sorted())
        }
    }

    var path: String { formatPath(codingPath) }

    func typeError(_ expected: String) -> SpecError {
        .wrongType(path: path, expected: expected, found: describeFound(value))
    }

    // MARK: Decoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let fields) = value else { throw typeError("an object") }
        usedKeyedContainer = true
        return KeyedDecodingContainer(StrictKeyedContainer<Key>(decoder: self, fields: fields))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw typeError("an array") }
        return StrictUnkeyedContainer(codingPath: codingPath, items: items)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer { self }

    // MARK: SingleValueDecodingContainer

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let b) = value else { throw typeError("a boolean (true or false)") }
        return b
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let s) = value else { throw typeError("a string") }
        return s
    }

    func decode(_ type: Double.Type) throws -> Double {
        switch value {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: throw typeError("a number")
        }
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    private func exactInteger() throws -> Int64 {
        switch value {
        case .integer(let i): return i
        case .number(let d) where d == d.rounded() && abs(d) < 9_007_199_254_740_992: return Int64(d)
        default: throw typeError("an integer")
        }
    }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let wide = try exactInteger()
        guard let narrow = T(exactly: wide) else {
            throw SpecError.outOfRange(path: path, value: String(wide), allowed: "\(T.min)...\(T.max)")
        }
        return narrow
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(UInt64.self) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try StrictDecoder.decode(type, from: value, codingPath: codingPath)
    }
}

private struct SpecPathComponentKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(_ key: CodingKey) { stringValue = key.stringValue; intValue = key.intValue }
    init(_ name: String) { stringValue = name; intValue = nil }
    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { stringValue = String(intValue); self.intValue = intValue }
}

func describeFound(_ value: JSONValue) -> String {
    switch value {
    case .string(let s): "string \"\(s)\""
    case .integer(let i): "integer \(i)"
    case .number(let d): "number \(d)"
    case .bool(let b): "boolean \(b)"
    default: value.typeName
    }
}

private struct StrictKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: StrictDecoder
    let fields: [String: JSONValue]

    var codingPath: [CodingKey] { decoder.codingPath }
    var allKeys: [Key] { fields.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool {
        decoder.ask(key.stringValue)
        return fields[key.stringValue] != nil
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        decoder.ask(key.stringValue)
        return fields[key.stringValue].map { $0 == .null } ?? true
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decodeValue(type, key)
    }

    private func decodeValue<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
        decoder.ask(key.stringValue)
        guard let value = fields[key.stringValue] else {
            throw SpecError.missingKey(path: formatPath(codingPath, key))
        }
        return try StrictDecoder.decode(type, from: value, codingPath: codingPath + [key])
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        decoder.ask(key.stringValue)
        guard let value = fields[key.stringValue], value != .null else { return nil }
        return try StrictDecoder.decode(type, from: value, codingPath: codingPath + [key])
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decodeValue(type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decodeValue(type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decodeValue(type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decodeValue(type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decodeValue(type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decodeValue(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decodeValue(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decodeValue(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decodeValue(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decodeValue(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decodeValue(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decodeValue(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decodeValue(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decodeValue(type, key) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try superDecoder(forKey: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try superDecoder(forKey: key).unkeyedContainer()
    }

    func superDecoder() throws -> Decoder { decoder }

    func superDecoder(forKey key: Key) throws -> Decoder {
        decoder.ask(key.stringValue)
        return StrictDecoder(value: fields[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}

private struct StrictUnkeyedContainer: UnkeyedDecodingContainer {
    let codingPath: [CodingKey]
    let items: [JSONValue]
    var currentIndex = 0

    init(codingPath: [CodingKey], items: [JSONValue]) {
        self.codingPath = codingPath
        self.items = items
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard !isAtEnd else {
            throw SpecError.missingKey(path: formatPath(codingPath + [IndexKey(currentIndex)]))
        }
        let value = try StrictDecoder.decode(type, from: items[currentIndex], codingPath: codingPath + [IndexKey(currentIndex)])
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try superDecoder().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
        try superDecoder().unkeyedContainer()
    }

    mutating func superDecoder() throws -> Decoder {
        guard !isAtEnd else {
            throw SpecError.missingKey(path: formatPath(codingPath + [IndexKey(currentIndex)]))
        }
        defer { currentIndex += 1 }
        return StrictDecoder(value: items[currentIndex], codingPath: codingPath + [IndexKey(currentIndex)])
    }
}
