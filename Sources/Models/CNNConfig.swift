// The CNN baseline configuration: HA-GAN's discriminator trunk and expression branch trained on the
// human images alone (the paper's "CNN(baseline)" row), with the spec's settings for the model
// (Vocabulary's `CNNSettings`, taken as they are) and what the data decides. A checkpoint stores
// it as JSON.

import NN
import Vocabulary

@dynamicMemberLookup
public struct CNNConfig: Codable, Equatable, Sendable {
    /// The spec's settings for this model.
    public var settings: CNNSettings
    /// Side of the square input crop (section 5.1: 75), 32 or more.
    public var imageSize = PaperProtocol.cropSize
    /// Channels of the human images (1 gray, 3 RGB).
    public var channels = 1
    /// Expression classes (six basic expressions).
    public var expressionCount = 6
    /// Slope of the LeakyReLU activations (the reference's 0.2; not a spec setting).
    public var leakySlope: Float = 0.2

    /// The defaults of the current spec version.
    public init(settings: CNNSettings = .defaults(specVersion: 2)) {
        self.settings = settings
    }

    enum CodingKeys: String, CodingKey { case settings, imageSize, channels, expressionCount, leakySlope }

    /// Reads the configuration a checkpoint stores (also an earlier build's flat one).
    public init(from decoder: Decoder) throws {
        let earlier = try EarlierConfiguration(decoder)
        if earlier.isEarlier {
            self = try CNNConfig(earlier: earlier)
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(settings: try c.decode(CNNSettings.self, forKey: .settings))
        imageSize = try c.decode(Int.self, forKey: .imageSize)
        channels = try c.decode(Int.self, forKey: .channels)
        expressionCount = try c.decode(Int.self, forKey: .expressionCount)
        leakySlope = try c.decode(Float.self, forKey: .leakySlope)
    }

    public subscript<T>(dynamicMember path: WritableKeyPath<CNNSettings, T>) -> T {
        get { settings[keyPath: path] }
        set { settings[keyPath: path] = newValue }
    }

    /// Decay of the weight average per training step when `evaluation` is `averaged`.
    public var averageDecay: Float {
        get { Float(settings.decay) }
        set { settings.averageDecay = Double(newValue) }
    }
    /// Adam as HA-GAN's (section 5.1).
    public var adam: AdamSettings { AdamSettings(settings.adam) }

    /// Checks every field; the error names the first unusable one and says what to use instead.
    public func validate() throws {
        try require(imageSize >= 32 && imageSize <= 1024, "imageSize", imageSize, "use a crop size from 32 to 1024 (the paper uses 75)")
        try require([1, 3].contains(channels), "channels", channels, "use 1 (gray) or 3 (RGB)")
        try require(expressionCount >= 2 && expressionCount <= 1000, "expressionCount", expressionCount, "use 2 to 1000 classes (the paper uses 6)")
        try require(leakySlope >= 0 && leakySlope < 1, "leakySlope", leakySlope, "use a slope in [0, 1) such as 0.2")
        try Models.validate(training: settings)
    }
}

extension AdamSettings {
    /// The engine's Adam (Float) from the spec's (Double).
    public init(_ choice: AdamChoice) {
        self.init(lr: Float(choice.lr), beta1: Float(choice.beta1), beta2: Float(choice.beta2), eps: Float(choice.eps))
    }
}

extension Initialization {
    /// The engine's scheme for the spec's choice.
    public var scheme: InitScheme {
        switch self {
        case .dcgan: return .dcgan
        case .kaiming: return .kaiming
        }
    }
}
