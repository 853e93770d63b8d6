// ModelSpec: one model of an experiment (the CNN baseline or HA-GAN) with its settings
// (Vocabulary's `ModelSettings`: section 5.1's Adam, batch 130, 200 epochs, and the open choices
// the paper leaves unstated), every default resolved for the spec's version, so that the canonical
// spec, and with it the experiment's identity, holds every value the model computes with.

import Vocabulary

public struct ModelSpec: Encodable, Equatable, Sendable {
    /// Name shown in reports, unique in the experiment, 1...60 characters (e.g. "HA-GAN").
    public var name: String
    /// The model's kind and settings, every default resolved.
    public var settings: ModelSettings

    public init(name: String, settings: ModelSettings) {
        self.name = name
        self.settings = settings
    }

    /// A model with the defaults of `specVersion` but for the epochs, batch size and Adam given.
    public init(name: String, kind: ModelKind, epochs: Int = PaperProtocol.epochs, batchSize: Int = PaperProtocol.batchSize,
                adam: AdamChoice = AdamChoice(), specVersion: Int = ExperimentSpec.currentVersion) {
        self.name = name
        settings = .defaults(kind, specVersion: specVersion)
        settings.training.epochs = epochs
        settings.training.batchSize = batchSize
        settings.training.adam = adam
    }

    /// Architecture.
    public var kind: ModelKind { settings.kind }
    /// The settings both kinds have.
    public var training: TrainingSettings {
        get { settings.training }
        set { settings.training = newValue }
    }
    public var epochs: Int {
        get { settings.training.epochs }
        set { settings.training.epochs = newValue }
    }
    public var batchSize: Int {
        get { settings.training.batchSize }
        set { settings.training.batchSize = newValue }
    }
    /// HA-GAN's settings; nil for a CNN.
    public var hagan: HAGANSettings? { settings.hagan }

    /// A model name as a file name (its checkpoints and sample grids): lower case, every run of
    /// characters other than a-z and 0-9 one hyphen (`CNN(baseline)` -> `cnn-baseline`, `HA-GAN` ->
    /// `ha-gan`), at most 60 characters, `model` when nothing is left. A spec's models have
    /// different file names (the spec is refused otherwise).
    public static func fileName(_ name: String) -> String {
        var out = ""
        for c in name.lowercased().unicodeScalars {
            if ("a"..."z").contains(c) || ("0"..."9").contains(c) { out.unicodeScalars.append(c) } else if !out.hasSuffix("-") { out += "-" }
        }
        let trimmed = out.split(separator: "-").joined(separator: "-")
        return trimmed.isEmpty ? "model" : String(trimmed.prefix(60))
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, epochs, batchSize, adam
        case initialization, evaluation, averageDecay, learningRateSchedule
        case codeSize, noiseSize, noiseDistribution, l1Weight, expressionOnFakePairs, discriminatorInput
        case testNoise, testNoiseDraws, sampleEvery
    }

    /// The model's object, flat, with every resolved value (absent only: `averageDecay` unless
    /// averaged, `testNoiseDraws` unless averaged over draws, where they play no part).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let t = training
        try c.encode(name, forKey: .name)
        try c.encode(kind, forKey: .kind)
        try c.encode(t.epochs, forKey: .epochs)
        try c.encode(t.batchSize, forKey: .batchSize)
        try c.encode(t.adam, forKey: .adam)
        try c.encode(t.initialization, forKey: .initialization)
        try c.encode(t.evaluation, forKey: .evaluation)
        try c.encodeIfPresent(t.averageDecay, forKey: .averageDecay)
        try c.encode(t.learningRateSchedule, forKey: .learningRateSchedule)
        guard let h = hagan else { return }
        try c.encode(h.codeSize, forKey: .codeSize)
        try c.encode(h.noiseSize, forKey: .noiseSize)
        try c.encode(h.noiseDistribution, forKey: .noiseDistribution)
        try c.encode(h.l1Weight, forKey: .l1Weight)
        try c.encode(h.expressionOnFakePairs, forKey: .expressionOnFakePairs)
        try c.encode(h.discriminatorInput, forKey: .discriminatorInput)
        try c.encode(h.testNoise, forKey: .testNoise)
        try c.encodeIfPresent(h.testNoiseDraws, forKey: .testNoiseDraws)
        try c.encode(h.sampleEvery, forKey: .sampleEvery)
    }
}

/// A model object as written in a spec file: every key it may hold, checked for range and for the
/// model's kind (`cnn` models accept the training keys; `hagan` models all), not yet resolved.
struct WrittenModel: Decodable {
    let name: String
    let kind: ModelKind
    let decode: (Int) throws -> ModelSettings

    typealias Keys = ModelSpec.CodingKeys

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        name = try c.decode(String.self, forKey: .name)
        try c.check(name, .name, allowed: "1 to 60 characters without control characters") { name in
            (1...60).contains(name.count) && !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        }
        kind = try c.decode(ModelKind.self, forKey: .kind)
        let epochs = try c.optional(.epochs, in: TrainingSettings.epochsRange)
        let batchSize = try c.optional(.batchSize, in: TrainingSettings.batchSizeRange)
        let adam = try c.decodeIfPresent(WrittenAdam.self, forKey: .adam)
        let initialization = try c.decodeIfPresent(Initialization.self, forKey: .initialization)
        let evaluation = try c.decodeIfPresent(EvaluationNetworks.self, forKey: .evaluation)
        let averageDecay = try c.optional(.averageDecay, in: TrainingSettings.averageDecayRange)
        if let decay = averageDecay, evaluation != .averaged {
            throw SpecError.invalidValue(path: c.path(.averageDecay), value: String(decay), allowed: "only with \"evaluation\": \"averaged\"")
        }
        let schedule = try c.decodeIfPresent(LearningRateSchedule.self, forKey: .learningRateSchedule)
        let training = { (version: Int) -> TrainingSettings in
            var t = TrainingSettings.defaults(specVersion: version)
            if let epochs { t.epochs = epochs }
            if let batchSize { t.batchSize = batchSize }
            if let adam { t.adam = adam.resolved(t.adam) }
            if let initialization { t.initialization = initialization }
            if let evaluation { t.evaluation = evaluation }
            t.averageDecay = t.evaluation == .averaged ? averageDecay ?? TrainingSettings.defaultAverageDecay : nil
            if let schedule { t.learningRateSchedule = schedule }
            return t
        }
        guard kind == .hagan else {
            decode = { .cnn(training($0)) }
            return
        }
        let codeSize = try c.optional(.codeSize, in: HAGANSettings.sizeRange)
        let noiseSize = try c.optional(.noiseSize, in: HAGANSettings.sizeRange)
        let noiseDistribution = try c.decodeIfPresent(NoiseDistribution.self, forKey: .noiseDistribution)
        let l1Weight = try c.optional(.l1Weight, in: HAGANSettings.l1WeightRange)
        let expressionOnFakePairs = try c.decodeIfPresent(Bool.self, forKey: .expressionOnFakePairs)
        let discriminatorInput = try c.decodeIfPresent(DiscriminatorInput.self, forKey: .discriminatorInput)
        let testNoise = try c.decodeIfPresent(TestNoise.self, forKey: .testNoise)
        let testNoiseDraws = try c.optional(.testNoiseDraws, in: HAGANSettings.testNoiseDrawsRange)
        if let draws = testNoiseDraws, testNoise != .average {
            throw SpecError.invalidValue(path: c.path(.testNoiseDraws), value: String(draws), allowed: "only with \"testNoise\": \"average\"")
        }
        let sampleEvery = try c.optional(.sampleEvery, in: HAGANSettings.sampleEveryRange)
        decode = { version in
            var h = HAGANSettings.defaults(specVersion: version)
            h.training = training(version)
            if let codeSize { h.codeSize = codeSize }
            if let noiseSize { h.noiseSize = noiseSize }
            if let noiseDistribution { h.noiseDistribution = noiseDistribution }
            if let l1Weight { h.l1Weight = l1Weight }
            if let expressionOnFakePairs { h.expressionOnFakePairs = expressionOnFakePairs }
            if let discriminatorInput { h.discriminatorInput = discriminatorInput }
            if let testNoise { h.testNoise = testNoise }
            h.testNoiseDraws = h.testNoise == .average ? testNoiseDraws ?? HAGANSettings.defaultTestNoiseDraws : nil
            if let sampleEvery { h.sampleEvery = sampleEvery }
            return .hagan(h)
        }
    }

    /// The model with every default of `specVersion` resolved.
    func resolved(specVersion: Int) throws -> ModelSpec {
        ModelSpec(name: name, settings: try decode(specVersion))
    }
}

/// Adam's object as written: each key optional, checked.
struct WrittenAdam: Decodable {
    var lr, beta1, beta2, eps: Double?

    enum CodingKeys: String, CodingKey { case lr, beta1, beta2, eps }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lr = try c.decodeIfPresent(Double.self, forKey: .lr)
        if let lr { try c.check(lr, .lr, allowed: "0 < lr <= 1") { $0 > 0 && $0 <= 1 } }
        beta1 = try c.decodeIfPresent(Double.self, forKey: .beta1)
        if let beta1 { try c.check(beta1, .beta1, allowed: "0 <= beta1 < 1") { $0 >= 0 && $0 < 1 } }
        beta2 = try c.decodeIfPresent(Double.self, forKey: .beta2)
        if let beta2 { try c.check(beta2, .beta2, allowed: "0 <= beta2 < 1") { $0 >= 0 && $0 < 1 } }
        eps = try c.decodeIfPresent(Double.self, forKey: .eps)
        if let eps { try c.check(eps, .eps, allowed: "0 < eps <= 1") { $0 > 0 && $0 <= 1 } }
    }

    func resolved(_ defaults: AdamChoice) -> AdamChoice {
        AdamChoice(lr: lr ?? defaults.lr, beta1: beta1 ?? defaults.beta1, beta2: beta2 ?? defaults.beta2, eps: eps ?? defaults.eps)
    }
}
