// ExperimentSpec: the top level of an experiment spec file (specVersion 2, or 1). One JSON file says which
// dataset, which character domain, which protocol and which models; `docs/spec.md` lists every field.

import Vocabulary

/// A whole experiment: decoded strictly, defaults filled in, cross-field rules checked.
public struct ExperimentSpec: Codable, Equatable, Sendable {
    /// The largest seed: 2^53 - 1, the largest integer a JSON number holds exactly everywhere.
    public static let maximumSeed: UInt64 = 9_007_199_254_740_991

    /// The format version of new specs. Version 2 added face detection: `dataset.align` defaults to
    /// `auto` and `noFace` to `error` (see `DatasetSpec.defaultAlign`); everything else reads alike.
    public static let currentVersion = 2
    /// The format versions this build reads.
    public static let supportedVersions = 1...2

    /// Format version, 1 or 2.
    public var specVersion: Int
    /// Experiment name shown in status and reports (1-100 characters, no control characters).
    public var name: String
    /// Free text saying what the experiment is for; no default (absent).
    public var description: String?
    /// The paper table the results go to; default `none`. `ckplus`, `mmi` and `oulu` require a
    /// dataset of that kind, or a `folder` or `csv` copy of it; `synthetic` data requires `none`.
    public var table: PaperTable
    /// Experiment seed from which every job seed derives (see `SeedDerivation`), 0...2^53 - 1 so
    /// that every JSON tool reads it exactly; default 1.
    public var seed: UInt64
    /// The human-face dataset.
    public var dataset: DatasetSpec
    /// The animated-character domain (HA-GAN's targets); required when a model is `hagan`.
    public var character: CharacterSpec?
    /// Folds and runs; all defaults when absent.
    public var `protocol`: ProtocolSpec
    /// At least one model, unique names.
    public var models: [ModelSpec]
    /// The numerics the experiment computes under: the mode (default `portable`) and the engine's
    /// numerics version, which the canonical spec always holds.
    public var numerics: NumericsSpec
    /// How models' settings were chosen (`exp tune --write-spec`); absent: not by a tune.
    public var tuning: [TuningNote]?

    public init(
        name: String, table: PaperTable = .none, seed: UInt64 = 1, dataset: DatasetSpec,
        character: CharacterSpec? = nil, protocol: ProtocolSpec = ProtocolSpec(), models: [ModelSpec],
        description: String? = nil
    ) {
        self.specVersion = ExperimentSpec.currentVersion
        self.name = name
        self.description = description
        self.table = table
        self.seed = seed
        self.dataset = dataset
        self.character = character
        self.protocol = `protocol`
        self.models = models
        self.numerics = NumericsSpec()
    }

    enum CodingKeys: String, CodingKey {
        case specVersion, name, description, table, seed, dataset, character, `protocol`, models, numerics, tuning
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        specVersion = try c.decode(Int.self, forKey: .specVersion)
        guard ExperimentSpec.supportedVersions.contains(specVersion) else {
            throw SpecError.invalidValue(
                path: "specVersion", value: String(specVersion),
                allowed: "\(ExperimentSpec.currentVersion) (this build reads spec versions 1 and 2; 2 adds face detection)")
        }
        name = try c.decode(String.self, forKey: .name)
        try c.check(name, .name, allowed: "1 to 100 characters without control characters") { name in
            (1...100).contains(name.count) && !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        }
        description = try c.decodeIfPresent(String.self, forKey: .description)
        table = try c.value(.table, default: .none)
        seed = try c.value(.seed, default: 1, in: 0...ExperimentSpec.maximumSeed)
        dataset = try c.decode(DatasetSpec.self, forKey: .dataset)
        try dataset.settle(specVersion: specVersion)
        character = try c.decodeIfPresent(CharacterSpec.self, forKey: .character)
        `protocol` = try c.value(.protocol, default: ProtocolSpec())
        let version = specVersion
        models = try c.decode([WrittenModel].self, forKey: .models).map { try $0.resolved(specVersion: version) }
        numerics = try c.value(.numerics, default: NumericsSpec())
        tuning = try c.decodeIfPresent([TuningNote].self, forKey: .tuning)
        try validate(c)
    }

    private func validate(_ c: KeyedDecodingContainer<CodingKeys>) throws {
        for (i, note) in (tuning ?? []).enumerated() where !models.contains(where: { $0.name == note.model }) {
            throw SpecError.invalidValue(path: "tuning[\(i)].model", value: "\"\(note.model)\"", allowed: "the name of one of the spec's models")
        }
        if models.isEmpty {
            throw SpecError.invalidValue(path: "models", value: "[]", allowed: "a list of at least one model")
        }
        var seen: Set<String> = []
        for (i, model) in models.enumerated() where !seen.insert(model.name).inserted {
            throw SpecError.invalidValue(
                path: "models[\(i)].name", value: "\"\(model.name)\"", allowed: "a name not used by another model")
        }
        var files: [String: Int] = [:]
        for (i, model) in models.enumerated() {
            let file = ModelSpec.fileName(model.name)
            if let other = files[file] {
                throw SpecError.invalidValue(
                    path: "models[\(i)].name", value: "\"\(model.name)\"",
                    allowed: "a name whose file name differs from models[\(other)]'s (both are \"\(file)\": names differ in their letters and digits, case aside)")
            }
            files[file] = i
        }
        if character == nil, let i = models.firstIndex(where: { $0.kind == .hagan }) {
            throw SpecError.missingKey(path: "character (needed by models[\(i)], kind \"hagan\")")
        }
        let kinds: [DatasetKind]
        switch table {
        case .ckplus: kinds = [.ckplus, .folder, .csv]
        case .mmi: kinds = [.mmi, .folder, .csv]
        case .oulu: kinds = [.oulu, .folder, .csv]
        case .none: kinds = DatasetKind.allCases
        }
        if !kinds.contains(dataset.kind) {
            throw SpecError.invalidValue(
                path: "table", value: "\"\(table.rawValue)\"",
                allowed: "\"none\" for dataset kind \"\(dataset.kind.rawValue)\" (a paper table needs its own dataset, or a folder/csv copy of it)")
        }
    }
}

/// The spec's `numerics` object: the mode, and the numerics version of the engine the experiment
/// ran on. A spec file gives the mode at most; the canonical spec always holds both, so a build
/// whose engine gives other bits (a new `NumericsVersion`) makes another experiment of it.
public struct NumericsSpec: Codable, Equatable, Sendable {
    /// `portable` (default) or `native`.
    public var mode: NumericsMode
    /// The engine's numerics version: absent in a spec file (this build's), or this build's.
    public var version: Int

    public init(mode: NumericsMode = .portable) {
        self.mode = mode
        version = NumericsVersion.current
    }

    enum CodingKeys: String, CodingKey { case mode, version }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.value(.mode, default: .portable)
        version = try c.value(.version, default: NumericsVersion.current)
        try c.check(version, .version, allowed: "\(NumericsVersion.current), the numerics version of this build "
                    + "(its experiments were computed by another engine: use the build that ran them, or leave the key out to run anew)") {
            $0 == NumericsVersion.current
        }
    }
}
