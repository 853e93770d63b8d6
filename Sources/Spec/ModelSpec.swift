// ModelSpec: one model of an experiment (the CNN baseline or HA-GAN), its training settings
// (section 5.1: Adam, batch 130, 200 epochs) and the open choices the paper leaves unstated.

import Vocabulary

/// Adam settings; defaults follow section 5.1 (lr 2e-4, beta1 0.5) and Adam's usual beta2 and eps.
public struct AdamSpec: Codable, Equatable, Sendable {
    /// Learning rate, 0 < lr <= 1; default 0.0002.
    public var lr: Double
    /// First-moment decay, 0 <= beta1 < 1; default 0.5.
    public var beta1: Double
    /// Second-moment decay, 0 <= beta2 < 1; default 0.999.
    public var beta2: Double
    /// Denominator epsilon, 0 < eps <= 1; default 1e-8.
    public var eps: Double

    public init(lr: Double = PaperProtocol.learningRate, beta1: Double = PaperProtocol.beta1, beta2: Double = PaperProtocol.beta2,
                eps: Double = PaperProtocol.eps) {
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
    }

    enum CodingKeys: String, CodingKey { case lr, beta1, beta2, eps }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lr = try c.value(.lr, default: PaperProtocol.learningRate)
        try c.check(lr, .lr, allowed: "0 < lr <= 1") { $0 > 0 && $0 <= 1 }
        beta1 = try c.value(.beta1, default: PaperProtocol.beta1)
        try c.check(beta1, .beta1, allowed: "0 <= beta1 < 1") { $0 >= 0 && $0 < 1 }
        beta2 = try c.value(.beta2, default: PaperProtocol.beta2)
        try c.check(beta2, .beta2, allowed: "0 <= beta2 < 1") { $0 >= 0 && $0 < 1 }
        eps = try c.value(.eps, default: PaperProtocol.eps)
        try c.check(eps, .eps, allowed: "0 < eps <= 1") { $0 > 0 && $0 <= 1 }
    }
}

/// The choices the paper leaves open. Every field is optional: absent means the model's own
/// default (set in the Models target and recorded by the runner), so the spec says only what the
/// user chose. `cnn` models accept `initialization`, `evaluation`, `averageDecay` and
/// `learningRateSchedule`; `hagan` models accept all.
public struct ModelChoices: Encodable, Equatable, Sendable {
    /// Size of the expression code from the generator's encoder, 1...4096.
    public var codeSize: Int?
    /// Size of the noise vector z, 1...4096.
    public var noiseSize: Int?
    /// Distribution of z.
    public var noiseDistribution: NoiseDistribution?
    /// Weight lambda of the L1 term to the neutral character image (eq. 4), 0...1e6.
    public var l1Weight: Double?
    /// Whether D's expression branch is also trained on generated pairs.
    public var expressionOnFakePairs: Bool?
    /// What the discriminator sees.
    public var discriminatorInput: DiscriminatorInput?
    /// Noise used at test time.
    public var testNoise: TestNoise?
    /// Draws averaged when `testNoise` is `average`, 1...1000 (not allowed otherwise).
    public var testNoiseDraws: Int?
    /// Weight initialisation.
    public var initialization: Initialization?
    /// The networks that predict at test time (not the paper's when other than `last`).
    public var evaluation: EvaluationNetworks?
    /// Decay per training step of the weight average, 0.9...0.99999 (only with `evaluation`
    /// `averaged`).
    public var averageDecay: Double?
    /// The learning rate over the epochs.
    public var learningRateSchedule: LearningRateSchedule?
    /// Epochs between saved sample grids, 0...10000 (0: never).
    public var sampleEvery: Int?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case codeSize, noiseSize, noiseDistribution, l1Weight, expressionOnFakePairs, discriminatorInput
        case testNoise, testNoiseDraws, initialization, evaluation, averageDecay, learningRateSchedule, sampleEvery
    }

    /// Decodes the choices a model of `kind` accepts from the model's own object.
    init(from decoder: Decoder, kind: ModelKind) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        initialization = try c.decodeIfPresent(Initialization.self, forKey: .initialization)
        evaluation = try c.decodeIfPresent(EvaluationNetworks.self, forKey: .evaluation)
        averageDecay = try c.optional(.averageDecay, in: 0.9...0.99999)
        if let decay = averageDecay, evaluation != .averaged {
            throw SpecError.invalidValue(
                path: c.path(.averageDecay), value: String(decay), allowed: "only with \"evaluation\": \"averaged\"")
        }
        learningRateSchedule = try c.decodeIfPresent(LearningRateSchedule.self, forKey: .learningRateSchedule)
        guard kind == .hagan else { return }
        codeSize = try c.optional(.codeSize, in: 1...4096)
        noiseSize = try c.optional(.noiseSize, in: 1...4096)
        noiseDistribution = try c.decodeIfPresent(NoiseDistribution.self, forKey: .noiseDistribution)
        l1Weight = try c.optional(.l1Weight, in: 0...1_000_000)
        expressionOnFakePairs = try c.decodeIfPresent(Bool.self, forKey: .expressionOnFakePairs)
        discriminatorInput = try c.decodeIfPresent(DiscriminatorInput.self, forKey: .discriminatorInput)
        testNoise = try c.decodeIfPresent(TestNoise.self, forKey: .testNoise)
        testNoiseDraws = try c.optional(.testNoiseDraws, in: 1...1000)
        if let draws = testNoiseDraws, testNoise != .average {
            throw SpecError.invalidValue(
                path: c.path(.testNoiseDraws), value: String(draws), allowed: "only with \"testNoise\": \"average\"")
        }
        sampleEvery = try c.optional(.sampleEvery, in: 0...10_000)
    }
}

public struct ModelSpec: Codable, Equatable, Sendable {
    /// Name shown in reports, unique in the experiment, 1...60 characters (e.g. "HA-GAN").
    public var name: String
    /// Architecture; required.
    public var kind: ModelKind
    /// Training epochs, 1...10000; default 200 (section 5.1).
    public var epochs: Int
    /// Mini-batch size, 2...4096 (batch normalisation needs two images); default 130 (section 5.1).
    public var batchSize: Int
    /// Optimiser settings; all defaults when absent.
    public var adam: AdamSpec
    /// Open choices, written flat in the model's JSON object.
    public var choices: ModelChoices

    public init(
        name: String, kind: ModelKind, epochs: Int = PaperProtocol.epochs, batchSize: Int = PaperProtocol.batchSize, adam: AdamSpec = AdamSpec(),
        choices: ModelChoices = ModelChoices()
    ) {
        self.name = name
        self.kind = kind
        self.epochs = epochs
        self.batchSize = batchSize
        self.adam = adam
        self.choices = choices
    }

    enum CodingKeys: String, CodingKey { case name, kind, epochs, batchSize, adam }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        try c.check(name, .name, allowed: "1 to 60 characters without control characters") { name in
            (1...60).contains(name.count) && !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        }
        kind = try c.decode(ModelKind.self, forKey: .kind)
        epochs = try c.value(.epochs, default: PaperProtocol.epochs, in: 1...10_000)
        batchSize = try c.value(.batchSize, default: PaperProtocol.batchSize, in: 2...4096)
        adam = try c.value(.adam, default: AdamSpec())
        choices = try ModelChoices(from: decoder, kind: kind)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(kind, forKey: .kind)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(adam, forKey: .adam)
        try choices.encode(to: encoder)
    }
}
