// ReportError: what stops a report, each message saying what to do.

public enum ReportError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A stored spec that this build cannot read back.
    case unreadableSpec(experiment: String, reason: String)
    /// A figure that cannot be written or an artifact that cannot be copied.
    case figure(path: String, reason: String)
    /// Options that do not go together.
    case option(String)
    /// No tune matches `--tune`.
    case unknownTune(String, known: [String])

    public var description: String {
        switch self {
        case .unreadableSpec(let experiment, let reason):
            return "experiment \(experiment): its stored spec cannot be read by this build (\(reason)); use the exp version that ran it"
        case .figure(let path, let reason):
            return "\(path): \(reason). Choose another --out location."
        case .option(let text):
            return text
        case .unknownTune(let key, let known):
            if known.isEmpty { return "the run log holds no tune: run `exp tune SPEC --space KEY=SET ...` first" }
            return "no tune matches '\(key)'; the run log's tunes: \(known.joined(separator: ", "))"
        }
    }
}
