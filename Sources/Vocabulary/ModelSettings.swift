// The settings of a spec's models: one type per model kind, holding every setting that changes
// what a model computes, with its default, its range and its meaning. The spec decoder resolves
// every default here before the spec is hashed (so a default written out and a default left out
// give one identity), and the trainers take these values as they are.
//
// Defaults may only change with a new spec version: `defaults(specVersion:)` gives each version's,
// and a test pins them all.

/// Adam (section 5.1: lr 0.0002, momentum 0.5; beta2 and eps as PyTorch's), for the CNN and for
/// HA-GAN's G and D alike.
public struct AdamChoice: Codable, Equatable, Sendable {
    /// Learning rate, 0 < lr <= 1.
    public var lr: Double
    /// First-moment decay, 0 <= beta1 < 1.
    public var beta1: Double
    /// Second-moment decay, 0 <= beta2 < 1.
    public var beta2: Double
    /// Denominator epsilon, 0 < eps <= 1.
    public var eps: Double

    public init(lr: Double = PaperProtocol.learningRate, beta1: Double = PaperProtocol.beta1, beta2: Double = PaperProtocol.beta2,
                eps: Double = PaperProtocol.eps) {
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
    }
}

/// What every model kind is trained with: the CNN baseline's whole settings, and HA-GAN's but for
/// its own (`HAGANSettings`).
public struct TrainingSettings: Codable, Equatable, Sendable {
    /// Training epochs, `epochsRange`; default 200 (section 5.1).
    public var epochs: Int
    /// Mini-batch size, `batchSizeRange` (batch normalisation needs two images); default 130.
    public var batchSize: Int
    /// Optimiser settings; default section 5.1's.
    public var adam: AdamChoice
    /// Weight initialisation; default `dcgan` (N(0, 0.02)).
    public var initialization: Initialization
    /// The networks that predict at test time; default `last` (the paper's reading).
    public var evaluation: EvaluationNetworks
    /// Decay per training step of the weight average, `averageDecayRange`: set exactly when
    /// `evaluation` is `averaged` (default 0.999), absent otherwise (it changes nothing then).
    public var averageDecay: Double?
    /// The learning rate over the epochs; default `constant` (section 5.1).
    public var learningRateSchedule: LearningRateSchedule

    public static let epochsRange = 1...10_000
    public static let batchSizeRange = 2...4096
    public static let averageDecayRange = 0.9...0.99999

    /// The defaults of a spec version (the same for versions 1 and 2).
    public static func defaults(specVersion: Int) -> TrainingSettings {
        TrainingSettings(epochs: PaperProtocol.epochs, batchSize: PaperProtocol.batchSize, adam: AdamChoice(), initialization: .dcgan,
                         evaluation: .last, averageDecay: nil, learningRateSchedule: .constant)
    }

    /// `averageDecay` when `evaluation` is `averaged` and none was given.
    public static let defaultAverageDecay = 0.999

    public init(epochs: Int, batchSize: Int, adam: AdamChoice, initialization: Initialization, evaluation: EvaluationNetworks,
                averageDecay: Double?, learningRateSchedule: LearningRateSchedule) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.adam = adam
        self.initialization = initialization
        self.evaluation = evaluation
        self.averageDecay = averageDecay
        self.learningRateSchedule = learningRateSchedule
    }

    /// The weight average's decay per step (`averageDecay`, or its default where it plays no part).
    public var decay: Double { averageDecay ?? Self.defaultAverageDecay }
}

/// The CNN baseline's settings: the training settings alone.
public typealias CNNSettings = TrainingSettings

/// HA-GAN's settings (sections 3 and 5.1), the choices the paper leaves open with the reference
/// implementation's values as defaults (`shared/bench/hagan_torch.py`).
@dynamicMemberLookup
public struct HAGANSettings: Codable, Equatable, Sendable {
    /// Epochs, batch, Adam (for G and D alike), initialisation, evaluation networks, schedule.
    public var training: TrainingSettings
    /// Size of the expression code from the encoder G_E, `sizeRange`; default 128.
    public var codeSize: Int
    /// Size of the noise vector z, `sizeRange`; default 50.
    public var noiseSize: Int
    /// Distribution of z; default `normal` (`torch.randn`).
    public var noiseDistribution: NoiseDistribution
    /// Weight lambda of the L1 term to the neutral character image (eq. 4), `l1WeightRange`;
    /// default 100 (pix2pix [30] and the reference).
    public var l1Weight: Double
    /// Whether D's expression branch also learns generated pairs; default false (eq. 5).
    public var expressionOnFakePairs: Bool
    /// What the discriminator sees; default `pair` (section 3.1.2).
    public var discriminatorInput: DiscriminatorInput
    /// The z used at test time; default `zero`.
    public var testNoise: TestNoise
    /// Draws averaged, `testNoiseDrawsRange`: set exactly when `testNoise` is `average` (default
    /// 10), absent otherwise.
    public var testNoiseDraws: Int?
    /// Epochs between saved sample grids, `sampleEveryRange` (0: never; the last epoch always
    /// has one otherwise); default 10.
    public var sampleEvery: Int

    public static let sizeRange = 1...4096
    public static let l1WeightRange = 0.0...1_000_000.0
    public static let testNoiseDrawsRange = 1...1000
    public static let sampleEveryRange = 0...10_000
    /// `testNoiseDraws` when `testNoise` is `average` and none was given.
    public static let defaultTestNoiseDraws = 10

    /// The defaults of a spec version (the same for versions 1 and 2).
    public static func defaults(specVersion: Int) -> HAGANSettings {
        HAGANSettings(training: .defaults(specVersion: specVersion), codeSize: 128, noiseSize: 50, noiseDistribution: .normal,
                      l1Weight: 100, expressionOnFakePairs: false, discriminatorInput: .pair, testNoise: .zero, testNoiseDraws: nil,
                      sampleEvery: 10)
    }

    public init(training: TrainingSettings, codeSize: Int, noiseSize: Int, noiseDistribution: NoiseDistribution, l1Weight: Double,
                expressionOnFakePairs: Bool, discriminatorInput: DiscriminatorInput, testNoise: TestNoise, testNoiseDraws: Int?,
                sampleEvery: Int) {
        self.training = training
        self.codeSize = codeSize
        self.noiseSize = noiseSize
        self.noiseDistribution = noiseDistribution
        self.l1Weight = l1Weight
        self.expressionOnFakePairs = expressionOnFakePairs
        self.discriminatorInput = discriminatorInput
        self.testNoise = testNoise
        self.testNoiseDraws = testNoiseDraws
        self.sampleEvery = sampleEvery
    }

    public subscript<T>(dynamicMember path: WritableKeyPath<TrainingSettings, T>) -> T {
        get { training[keyPath: path] }
        set { training[keyPath: path] = newValue }
    }

    /// The draws averaged at test time (`testNoiseDraws`, or its default where it plays no part).
    public var draws: Int { testNoiseDraws ?? Self.defaultTestNoiseDraws }
}

/// A model's settings, by kind.
public enum ModelSettings: Equatable, Sendable {
    case cnn(CNNSettings)
    case hagan(HAGANSettings)

    public var kind: ModelKind {
        switch self {
        case .cnn: return .cnn
        case .hagan: return .hagan
        }
    }

    /// The settings both kinds have.
    public var training: TrainingSettings {
        get {
            switch self {
            case .cnn(let t): return t
            case .hagan(let h): return h.training
            }
        }
        set {
            switch self {
            case .cnn: self = .cnn(newValue)
            case .hagan(var h): h.training = newValue; self = .hagan(h)
            }
        }
    }

    /// The HA-GAN settings, nil for a CNN.
    public var hagan: HAGANSettings? {
        if case .hagan(let h) = self { return h }
        return nil
    }

    public static func defaults(_ kind: ModelKind, specVersion: Int) -> ModelSettings {
        kind == .cnn ? .cnn(.defaults(specVersion: specVersion)) : .hagan(.defaults(specVersion: specVersion))
    }
}
