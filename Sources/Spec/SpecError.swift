// SpecError: every way a spec file or a `--set` override can be wrong, each naming the JSON path
// (`models[1].adam.beta1`) and saying what is allowed.

/// A problem in an experiment spec. `description` is the message shown to the user.
public enum SpecError: Error, Equatable, CustomStringConvertible, Sendable {
    /// Malformed JSON at a 1-based line and column.
    case syntax(line: Int, column: Int, message: String)
    /// A key the format does not have; `allowed` lists the keys accepted at that place.
    case unknownKey(path: String, allowed: [String])
    /// A required key is absent.
    case missingKey(path: String)
    /// A value of the wrong JSON type.
    case wrongType(path: String, expected: String, found: String)
    /// A number outside its allowed range.
    case outOfRange(path: String, value: String, allowed: String)
    /// A value that is not one of the allowed choices, or breaks a rule stated in `allowed`.
    case invalidValue(path: String, value: String, allowed: String)
    /// A `--set` override that cannot be applied, or whose value is rejected (`underlying`).
    case override(text: String, reason: String)
    /// A spec file that cannot be read or whose errors are reported with its name.
    case file(path: String, reason: String)
    /// A malformed `--sweep` option.
    case sweepOption(text: String, reason: String)
    /// A `--sweep` option whose key or values the spec file does not accept.
    case sweep(option: String, key: String, specFile: String, reason: String)
    /// A malformed `--space` option of `exp tune`, or one whose values the spec does not accept.
    case tuneSpace(text: String, reason: String)

    public var description: String {
        switch self {
        case .syntax(let line, let column, let message):
            return "JSON syntax error at line \(line), column \(column): \(message)"
        case .unknownKey(let path, let allowed):
            return "\(path): unknown key; allowed keys here: \(allowed.joined(separator: ", "))"
        case .missingKey(let path):
            return "\(path): required key is missing"
        case .wrongType(let path, let expected, let found):
            return "\(path): expected \(expected), found \(found)"
        case .outOfRange(let path, let value, let allowed):
            return "\(path): \(value) is out of range; allowed: \(allowed)"
        case .invalidValue(let path, let value, let allowed):
            return "\(path): invalid value \(value); allowed: \(allowed)"
        case .override(let text, let reason):
            return "--set \(text): \(reason)"
        case .file(let path, let reason):
            return "\(path): \(reason)"
        case .sweepOption(let text, let reason):
            return "--sweep \(text): \(reason)"
        case .sweep(let option, let key, let specFile, let reason):
            return "--sweep \(option): key \(key) of \(specFile): \(reason)"
        case .tuneSpace(let text, let reason):
            return "--space \(text): \(reason)"
        }
    }

    /// The JSON path the error is about, when it has one.
    public var path: String? {
        switch self {
        case .unknownKey(let path, _), .missingKey(let path), .wrongType(let path, _, _),
            .outOfRange(let path, _, _), .invalidValue(let path, _, _):
            return path
        case .syntax, .override, .file, .sweepOption, .sweep, .tuneSpace:
            return nil
        }
    }
}

/// One step of a JSON path: an object key or an array index.
public enum SpecPathComponent: Equatable, Sendable {
    case key(String)
    case index(Int)
}

/// Formats a path as `models[1].adam.beta1`; the root is written `(top level)`.
func formatPath(_ components: [SpecPathComponent]) -> String {
    var out = ""
    for component in components {
        switch component {
        case .key(let key): out += out.isEmpty ? key : "." + key
        case .index(let i): out += "[\(i)]"
        }
    }
    return out.isEmpty ? "(top level)" : out
}

func formatPath(_ codingPath: [CodingKey]) -> String {
    formatPath(codingPath.map { key in key.intValue.map(SpecPathComponent.index) ?? .key(key.stringValue) })
}

/// Appends a child key to a path for error messages.
func formatPath(_ codingPath: [CodingKey], _ key: CodingKey) -> String {
    formatPath(codingPath + [key])
}
