// Helpers the spec types use in their `init(from:)`: a value with its default, and range checks
// whose errors name the JSON path and the allowed range.

extension KeyedDecodingContainer {
    /// The value at `key`, or `fallback` when the key is absent or null.
    func value<T: Decodable>(_ key: Key, default fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }

    /// The value at `key` (or `fallback`), checked to lie in `range`.
    func value<T: Decodable & Comparable>(_ key: Key, default fallback: T, in range: ClosedRange<T>) throws -> T {
        let v = try value(key, default: fallback)
        try check(v, key, in: range)
        return v
    }

    /// An optional value at `key`, checked to lie in `range` when present.
    func optional<T: Decodable & Comparable>(_ key: Key, in range: ClosedRange<T>) throws -> T? {
        guard let v = try decodeIfPresent(T.self, forKey: key) else { return nil }
        try check(v, key, in: range)
        return v
    }

    func check<T: Comparable>(_ v: T, _ key: Key, in range: ClosedRange<T>) throws {
        guard range.contains(v) else {
            throw SpecError.outOfRange(path: path(key), value: "\(v)", allowed: "\(range.lowerBound)...\(range.upperBound)")
        }
    }

    /// Checks a condition described by `allowed` (for open intervals such as `0 < lr <= 1`).
    func check<T>(_ v: T, _ key: Key, allowed: String, _ isValid: (T) -> Bool) throws {
        guard isValid(v) else { throw SpecError.outOfRange(path: path(key), value: "\(v)", allowed: allowed) }
    }

    func path(_ key: Key) -> String { formatPath(codingPath, key) }
}
