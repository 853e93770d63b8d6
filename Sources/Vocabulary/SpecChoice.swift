// The words of an experiment: every choice a spec can make, as one Swift type that the spec
// decoder, the data pipeline, the models and the engine all use. A choice's raw value is its
// spelling in spec files (the public format: renaming one would change every spec hash).

/// A choice spelt as a string in spec files. The spec decoder reads every `SpecChoice` strictly:
/// an unknown spelling is an error that names the path and lists `allowedValues`.
public protocol SpecChoice: RawRepresentable, CaseIterable, Codable, Sendable where RawValue == String {}

extension SpecChoice {
    /// The spellings a spec may use, in declaration order.
    public static var allowedValues: [String] { allCases.map(\.rawValue) }

    /// The choice spelt `text`, or nil.
    public static func named(_ text: String) -> (any SpecChoice)? { Self(rawValue: text) }
}
