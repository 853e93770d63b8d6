// SpecOverride: `--set path=value` overrides (`models[0].epochs=5`, `protocol.folds=3`,
// `dataset.root=/x`), applied to the JSON tree before strict decoding so they pass the same checks.

/// One parsed `--set` override.
public struct SpecOverride: Equatable, Sendable {
    /// The text as the user typed it.
    public let text: String
    public let path: [SpecPathComponent]
    public let value: JSONValue

    /// An override of `path` with `value`, described by `text` in messages (a sweep's `key=value`).
    init(path: [SpecPathComponent], value: JSONValue, text: String) {
        self.text = text
        self.path = path
        self.value = value
    }

    /// Parses `path=value`. The value is read as JSON when it is valid JSON (`5`, `true`,
    /// `"text"`, `[1,2]`), otherwise taken as a plain string (`/data/CK+`).
    public init(parsing text: String) throws {
        self.text = text
        guard let equals = text.firstIndex(of: "=") else {
            throw SpecError.override(text: text, reason: "expected path=value, e.g. models[0].epochs=5")
        }
        path = try SpecOverride.parsePath(String(text[..<equals]), text: text)
        let rawValue = String(text[text.index(after: equals)...])
        value = (try? JSONParser.parse(rawValue)) ?? .string(rawValue)
    }

    static func parsePath(_ source: String, text: String) throws -> [SpecPathComponent] {
        var components: [SpecPathComponent] = []
        var rest = Substring(source)
        let bad = SpecError.override(text: text, reason: "malformed path \"\(source)\"; write keys separated by dots and indexes in brackets, e.g. models[1].adam.lr")
        while !rest.isEmpty {
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]),
                    index >= 0, !components.isEmpty
                else { throw bad }
                components.append(.index(index))
                rest = rest[rest.index(after: close)...]
                if rest.first == "." { rest = rest.dropFirst(); if rest.isEmpty { throw bad } }
            } else {
                let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
                let key = String(rest[..<end])
                guard !key.isEmpty else { throw bad }
                components.append(.key(key))
                rest = rest[end...]
                if rest.first == "." { rest = rest.dropFirst(); if rest.isEmpty { throw bad } }
            }
        }
        guard !components.isEmpty else { throw bad }
        return components
    }

    /// Sets the value in `root`, creating missing objects along the path. Indexes must exist.
    public func apply(to root: inout JSONValue) throws {
        try set(&root, at: path[...], walked: [])
    }

    private func set(_ node: inout JSONValue, at rest: ArraySlice<SpecPathComponent>, walked: [SpecPathComponent]) throws {
        guard let head = rest.first else {
            node = value
            return
        }
        switch head {
        case .key(let key):
            if node == .null { node = .object([:]) }
            guard case .object(var fields) = node else {
                throw SpecError.override(text: text, reason: "\(formatPath(walked)) is \(node.typeName == "integer" ? "an" : "a") \(node.typeName), not an object with key \"\(key)\"")
            }
            var child = fields[key] ?? .null
            try set(&child, at: rest.dropFirst(), walked: walked + [head])
            fields[key] = child
            node = .object(fields)
        case .index(let index):
            guard case .array(var items) = node else {
                throw SpecError.override(text: text, reason: "\(formatPath(walked)) is not an array")
            }
            guard index < items.count else {
                throw SpecError.override(text: text, reason: "\(formatPath(walked)) has \(items.count) entries (indexes 0...\(items.count - 1)), no [\(index)]")
            }
            try set(&items[index], at: rest.dropFirst(), walked: walked + [head])
            node = .array(items)
        }
    }

    /// Whether an error path (`models[0].adam.lr`) lies on this override's path: at it, under
    /// it (a value it set), or above it (an object it created where a value was expected).
    func covers(_ errorPath: String) -> Bool {
        let mine = formatPath(path)
        func isBelow(_ a: String, _ b: String) -> Bool { a.hasPrefix(b + ".") || a.hasPrefix(b + "[") }
        return errorPath == mine || isBelow(errorPath, mine) || isBelow(mine, errorPath)
    }
}
