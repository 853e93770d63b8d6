// The HA-GAN configuration: the spec's settings for the model (Vocabulary's `HAGANSettings`,
// taken as they are: every choice the paper leaves open has its default there) and what the data
// decides (crop size, channels, classes, characters). A checkpoint stores it as JSON.

import NN
import Vocabulary

@dynamicMemberLookup
public struct HAGANConfig: Codable, Equatable, Sendable {
    /// The spec's settings for this model.
    public var settings: HAGANSettings
    /// Side of the square input crop (section 5.1: 75). Any size from 32 up: the encoder halves it
    /// four times (75 -> 37 -> 18 -> 9 -> 4) and the decoder mirrors those sizes back.
    public var imageSize = PaperProtocol.cropSize
    /// Channels of the human images (1 gray, 3 RGB).
    public var humanChannels = 1
    /// Channels of the character images the generator produces (FERG-DB is RGB; 1 gray).
    public var characterChannels = 1
    /// Expression classes N^e (six basic expressions).
    public var expressionCount = 6
    /// Character identities in the one-hot Id_AN (FERG-DB has six; the paper uses one of them).
    public var characterCount = 6
    /// The character identity Id_AN given to the generator at test time and in sample grids.
    public var testCharacter = 0
    /// Slope of the LeakyReLU activations (the reference's 0.2; not a spec setting).
    public var leakySlope: Float = 0.2

    /// The defaults of the current spec version.
    public init(settings: HAGANSettings = .defaults(specVersion: 2)) {
        self.settings = settings
    }

    enum CodingKeys: String, CodingKey {
        case settings, imageSize, humanChannels, characterChannels, expressionCount, characterCount, testCharacter, leakySlope
    }

    /// Reads the configuration a checkpoint stores (also an earlier build's flat one).
    public init(from decoder: Decoder) throws {
        let earlier = try EarlierConfiguration(decoder)
        if earlier.isEarlier {
            self = try HAGANConfig(earlier: earlier)
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(settings: try c.decode(HAGANSettings.self, forKey: .settings))
        imageSize = try c.decode(Int.self, forKey: .imageSize)
        humanChannels = try c.decode(Int.self, forKey: .humanChannels)
        characterChannels = try c.decode(Int.self, forKey: .characterChannels)
        expressionCount = try c.decode(Int.self, forKey: .expressionCount)
        characterCount = try c.decode(Int.self, forKey: .characterCount)
        testCharacter = try c.decode(Int.self, forKey: .testCharacter)
        leakySlope = try c.decode(Float.self, forKey: .leakySlope)
    }

    public subscript<T>(dynamicMember path: WritableKeyPath<HAGANSettings, T>) -> T {
        get { settings[keyPath: path] }
        set { settings[keyPath: path] = newValue }
    }

    /// lambda of the L1 term, eq. (4).
    public var l1Weight: Float {
        get { Float(settings.l1Weight) }
        set { settings.l1Weight = Double(newValue) }
    }
    /// Whether D^e also learns the expression of generated pairs in the D step (eq. 5: no).
    public var discriminatorExpressionOnGenerated: Bool {
        get { settings.expressionOnFakePairs }
        set { settings.expressionOnFakePairs = newValue }
    }
    /// Draws averaged when `testNoise` is `average`.
    public var testNoiseDraws: Int {
        get { settings.draws }
        set { settings.testNoiseDraws = newValue }
    }
    /// Decay of the weight average per training step when `evaluation` is `averaged`.
    public var averageDecay: Float {
        get { Float(settings.training.decay) }
        set { settings.training.averageDecay = Double(newValue) }
    }
    /// Adam for G and for D alike (section 5.1).
    public var generatorAdam: AdamSettings { AdamSettings(settings.training.adam) }
    public var discriminatorAdam: AdamSettings { AdamSettings(settings.training.adam) }

    /// Checks every field; the error names the first unusable one and says what to use instead.
    public func validate() throws {
        try require(imageSize >= 32 && imageSize <= 1024, "imageSize", imageSize, "use a crop size from 32 to 1024 (the paper uses 75)")
        try require([1, 3].contains(humanChannels), "humanChannels", humanChannels, "use 1 (gray) or 3 (RGB)")
        try require([1, 3].contains(characterChannels), "characterChannels", characterChannels, "use 1 (gray) or 3 (RGB)")
        try require(expressionCount >= 2 && expressionCount <= 1000, "expressionCount", expressionCount, "use 2 to 1000 classes (the paper uses 6)")
        try require(characterCount >= 1 && characterCount <= 1000, "characterCount", characterCount, "use 1 to 1000 characters")
        try require(HAGANSettings.sizeRange.contains(settings.codeSize), "codeSize", settings.codeSize, "use a code size from 1 to 4096 such as 128")
        try require(HAGANSettings.sizeRange.contains(settings.noiseSize), "noiseSize", settings.noiseSize, "use a noise size from 1 to 4096 such as 50")
        try require(l1Weight >= 0 && l1Weight.isFinite, "l1Weight", l1Weight, "use a finite weight >= 0 (default 100)")
        try require(HAGANSettings.testNoiseDrawsRange.contains(testNoiseDraws), "testNoiseDraws", testNoiseDraws, "use 1 to 1000 draws")
        try require(testCharacter >= 0 && testCharacter < characterCount, "testCharacter", testCharacter,
                    "use a character index in 0..<\(characterCount) (characterCount)")
        try require(leakySlope >= 0 && leakySlope < 1, "leakySlope", leakySlope, "use a slope in [0, 1) such as 0.2")
        try Models.validate(training: settings.training)
    }

    /// Channels of the discriminator's input.
    public var discriminatorChannels: Int {
        settings.discriminatorInput == .pair ? humanChannels + characterChannels : characterChannels
    }
}
