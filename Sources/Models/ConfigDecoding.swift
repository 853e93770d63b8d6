// Strict decoding and validation errors for the model configurations: Swift's synthesized Codable
// ignores unknown keys, so `HAGANConfig` and `CNNConfig` compare the keys they are given with the
// ones they know and reject the others by name; a missing key takes its documented default.

import NN
import Vocabulary

/// A configuration key or value the model cannot use (user input: a spec file or an override).
public enum ModelConfigError: Error, CustomStringConvertible, Equatable {
    case unknownKey(path: String, allowed: [String])
    case invalid(key: String, value: String, requirement: String)

    public var description: String {
        switch self {
        case .unknownKey(let path, let allowed):
            return "unknown model setting '\(path)'; the known settings are: \(allowed.joined(separator: ", "))"
        case .invalid(let key, let value, let requirement):
            return "model setting '\(key)' = \(value) is not usable: \(requirement)"
        }
    }
}

/// A key given by name, used to list the keys a JSON object really holds.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Throws `unknownKey` for the first key of the object under `decoder` that `Keys` does not name.
func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ decoder: Decoder, _ keys: Keys.Type) throws {
    let allowed = Keys.allCases.map(\.stringValue)
    let container = try decoder.container(keyedBy: AnyKey.self)
    if let unknown = container.allKeys.map(\.stringValue).filter({ !allowed.contains($0) }).sorted().first {
        let path = (decoder.codingPath.map(\.stringValue) + [unknown]).joined(separator: ".")
        throw ModelConfigError.unknownKey(path: path, allowed: allowed)
    }
}

extension KeyedDecodingContainer {
    /// The value under `key`, or `fallback` when the key is absent.
    func value<T: Decodable>(_ key: Key, or fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}

/// Adam settings decoded strictly, each field defaulting to the paper's value.
struct StrictAdamSettings: Decodable {
    var settings: AdamSettings

    enum CodingKeys: String, CodingKey, CaseIterable { case lr, beta1, beta2, eps }

    init(from decoder: Decoder) throws {
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AdamSettings()
        settings = AdamSettings(
            lr: try c.value(.lr, or: d.lr), beta1: try c.value(.beta1, or: d.beta1),
            beta2: try c.value(.beta2, or: d.beta2), eps: try c.value(.eps, or: d.eps))
    }
}

/// Checks one Adam setting group, naming it `key` in errors.
func validate(_ adam: AdamSettings, key: String) throws {
    guard adam.lr > 0, adam.lr.isFinite else {
        throw ModelConfigError.invalid(key: "\(key).lr", value: "\(adam.lr)", requirement: "use a positive learning rate such as 0.0002")
    }
    for (name, beta) in [("beta1", adam.beta1), ("beta2", adam.beta2)] where !(beta >= 0 && beta < 1) {
        throw ModelConfigError.invalid(key: "\(key).\(name)", value: "\(beta)", requirement: "use a value in [0, 1)")
    }
    guard adam.eps > 0, adam.eps.isFinite else {
        throw ModelConfigError.invalid(key: "\(key).eps", value: "\(adam.eps)", requirement: "use a small positive value such as 1e-8")
    }
}

/// Throws `invalid` for `key` unless `condition` holds.
func require(_ condition: Bool, _ key: String, _ value: Any, _ requirement: String) throws {
    if !condition { throw ModelConfigError.invalid(key: key, value: "\(value)", requirement: requirement) }
}

extension KeyedDecodingContainer {
    /// A choice under `key`, or `fallback` when absent. `formerly` maps spellings that earlier
    /// checkpoints wrote (before the spec's spellings were the only ones) onto today's choices.
    func choice<T: SpecChoice>(_ key: Key, or fallback: T, formerly: [String: T]) throws -> T {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return fallback }
        if let value = T(rawValue: text) ?? formerly[text] { return value }
        throw ModelConfigError.invalid(key: key.stringValue, value: text,
                                       requirement: "use one of " + T.allowedValues.joined(separator: ", "))
    }
}
