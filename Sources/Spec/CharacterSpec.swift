// CharacterSpec and ProtocolSpec: the animated-character domain HA-GAN translates into (section
// 3, FERG-DB in section 5), and the evaluation protocol (subject-independent k-fold, repeated runs).

import Vocabulary

public struct CharacterSpec: Codable, Equatable, Sendable {
    /// Source of character images; required.
    public var kind: CharacterKind
    /// FERG-DB folder; required for `ferg`, not allowed for `synthetic`.
    public var root: String?
    /// Characters used, 1...6 distinct names; default `["ray"]` for FERG (the paper uses one of
    /// the six), `["mira"]` for synthetic (its characters: mira, otto, kai).
    public var characters: [String]

    public init(kind: CharacterKind, root: String? = nil, characters: [String]? = nil) {
        self.kind = kind
        self.root = root
        self.characters = characters ?? CharacterSpec.defaultCharacters(kind)
    }

    public static func defaultCharacters(_ kind: CharacterKind) -> [String] {
        kind == .ferg ? ["ray"] : ["mira"]
    }

    enum CodingKeys: String, CodingKey { case kind, root, characters }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(CharacterKind.self, forKey: .kind)
        if kind == .ferg {
            let root = try c.decode(String.self, forKey: .root)
            try c.check(root, .root, allowed: "a non-empty path") { !$0.isEmpty }
            self.root = root
        }
        characters = try c.value(.characters, default: CharacterSpec.defaultCharacters(kind))
        try c.check(characters, .characters, allowed: "1 to 6 distinct non-empty names") {
            (1...6).contains($0.count) && Set($0).count == $0.count && !$0.contains("")
        }
    }
}

public struct ProtocolSpec: Codable, Equatable, Sendable {
    /// Number of folds, 2...100; default 10 (section 5).
    public var folds: Int
    /// Number of repetitions with different seeds and fold assignments, 1...100; default 2.
    public var runs: Int
    /// Split; default and only value `subject`.
    public var split: SplitKind
    /// Share of each fold's training subjects held out as validation subjects, 0.05...0.5; absent:
    /// none. Validation subjects are in neither the fold's training nor its test set; their
    /// accuracy is logged every epoch (`accuracy.validation`), the only accuracy to choose
    /// settings on.
    public var validation: Double?
    /// Whether jobs see their test fold at all; default true. False (the trials of `exp tune`):
    /// a job neither loads, evaluates nor predicts its test subjects, so it records no test
    /// accuracy and no predictions, and only validation subjects score it. Needs `validation`.
    public var test: Bool
    /// Jobs for the first `useFolds` folds of each run only (1...folds); absent: every fold. The
    /// split is the same as with every fold (`folds` decides it).
    public var useFolds: Int?

    public init(folds: Int = PaperProtocol.folds, runs: Int = PaperProtocol.runs, split: SplitKind = .subject) {
        self.folds = folds
        self.runs = runs
        self.split = split
        self.test = true
    }

    /// The folds that have jobs.
    public var jobFolds: Range<Int> { 0..<(useFolds ?? folds) }

    enum CodingKeys: String, CodingKey { case folds, runs, split, validation, test, useFolds }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        folds = try c.value(.folds, default: PaperProtocol.folds, in: 2...100)
        runs = try c.value(.runs, default: PaperProtocol.runs, in: 1...100)
        split = try c.value(.split, default: .subject)
        validation = try c.optional(.validation, in: 0.05...0.5)
        test = try c.value(.test, default: true)
        useFolds = try c.optional(.useFolds, in: 1...folds)
        if !test && validation == nil {
            throw SpecError.invalidValue(path: "protocol.test", value: "false",
                                         allowed: "true, or false with protocol.validation set (a job that never sees its test fold is scored on validation subjects only)")
        }
    }

    /// The defaults (`test` true, every fold) are left out, so specs that do not use them keep
    /// the canonical JSON, and hash, they always had.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(folds, forKey: .folds)
        try c.encode(runs, forKey: .runs)
        try c.encode(split, forKey: .split)
        try c.encodeIfPresent(validation, forKey: .validation)
        if !test { try c.encode(test, forKey: .test) }
        try c.encodeIfPresent(useFolds, forKey: .useFolds)
    }
}
