// The HA-GAN configuration: the paper's settings (sections 3 and 5.1) and a documented default for
// every choice the paper leaves open. The defaults are the reference architecture at the top of
// shared/bench/hagan_torch.py, so benchmarks compare like with like. Decoding is strict (an unknown
// key is an error); a missing key takes its default.

import NN
import Vocabulary

public struct HAGANConfig: Codable, Equatable, Sendable {
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
    /// Length of the expression code from the encoder G_E (not given by the paper; reference 128).
    public var codeSize = 128
    /// Length of z (not given by the paper; reference 50).
    public var noiseSize = 50
    public var noiseDistribution = NoiseDistribution.normal
    /// lambda of the L1 term, eq. (4). The paper takes the L1 term from pix2pix [30] without giving
    /// a weight; pix2pix and the reference implementation both use 100, so that is the default.
    public var l1Weight: Float = 100
    /// Whether D^e also learns the expression of generated pairs in the D step. Eq. (5) has only
    /// real pairs in its expression term, and so does the reference: default false.
    public var discriminatorExpressionOnGenerated = false
    /// Pair or character image alone (ablation).
    public var discriminatorInput = DiscriminatorInput.pair
    /// The z used at test time; default zero (deterministic, the noise mean).
    public var testNoise = TestNoise.zero
    /// Number of draws averaged when `testNoise` is `average`.
    public var testNoiseDraws = 10
    /// The character identity Id_AN given to the generator at test time and in sample grids.
    public var testCharacter = 0
    /// The networks that predict at test time (default: the last weights, as trained).
    public var evaluation = EvaluationNetworks.last
    /// Decay of the weight average per training step when `evaluation` is `averaged`.
    public var averageDecay = Float(EvaluationNetworks.defaultAverageDecay)
    /// The learning rate over the epochs (default constant, as section 5.1).
    public var learningRateSchedule = LearningRateSchedule.constant
    /// Weight initialisation; DCGAN's N(0, 0.02) as the GAN optimisation strategy of [11].
    public var initialization = Initialization.dcgan
    /// Slope of the LeakyReLU activations (reference 0.2).
    public var leakySlope: Float = 0.2
    /// Adam for G and for D (section 5.1: lr 0.0002, momentum 0.5; beta2 0.999 as PyTorch).
    public var generatorAdam = AdamSettings()
    public var discriminatorAdam = AdamSettings()
    /// Batch size (section 5.1: 130). Read by whoever builds the batches.
    public var batchSize = PaperProtocol.batchSize
    /// Training epochs (section 5.1: 200). Read by whoever runs the epochs.
    public var epochs = PaperProtocol.epochs

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case imageSize, humanChannels, characterChannels, expressionCount, characterCount, codeSize
        case noiseSize, noiseDistribution, l1Weight, discriminatorExpressionOnGenerated
        case discriminatorInput, testNoise, testNoiseDraws, testCharacter, evaluation, averageDecay, learningRateSchedule
        case initialization, leakySlope
        case generatorAdam, discriminatorAdam, batchSize, epochs
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = HAGANConfig()
        imageSize = try c.value(.imageSize, or: d.imageSize)
        humanChannels = try c.value(.humanChannels, or: d.humanChannels)
        characterChannels = try c.value(.characterChannels, or: d.characterChannels)
        expressionCount = try c.value(.expressionCount, or: d.expressionCount)
        characterCount = try c.value(.characterCount, or: d.characterCount)
        codeSize = try c.value(.codeSize, or: d.codeSize)
        noiseSize = try c.value(.noiseSize, or: d.noiseSize)
        noiseDistribution = try c.value(.noiseDistribution, or: d.noiseDistribution)
        l1Weight = try c.value(.l1Weight, or: d.l1Weight)
        discriminatorExpressionOnGenerated = try c.value(.discriminatorExpressionOnGenerated, or: d.discriminatorExpressionOnGenerated)
        discriminatorInput = try c.choice(.discriminatorInput, or: d.discriminatorInput, formerly: ["characterOnly": .character])
        testNoise = try c.choice(.testNoise, or: d.testNoise, formerly: ["fixedDraw": .fixed])
        testNoiseDraws = try c.value(.testNoiseDraws, or: d.testNoiseDraws)
        testCharacter = try c.value(.testCharacter, or: d.testCharacter)
        evaluation = try c.value(.evaluation, or: d.evaluation)
        averageDecay = try c.value(.averageDecay, or: d.averageDecay)
        learningRateSchedule = try c.value(.learningRateSchedule, or: d.learningRateSchedule)
        initialization = try c.value(.initialization, or: d.initialization)
        leakySlope = try c.value(.leakySlope, or: d.leakySlope)
        generatorAdam = try c.decodeIfPresent(StrictAdamSettings.self, forKey: .generatorAdam)?.settings ?? d.generatorAdam
        discriminatorAdam = try c.decodeIfPresent(StrictAdamSettings.self, forKey: .discriminatorAdam)?.settings ?? d.discriminatorAdam
        batchSize = try c.value(.batchSize, or: d.batchSize)
        epochs = try c.value(.epochs, or: d.epochs)
    }

    /// Checks every field; the error names the first unusable one and says what to use instead.
    public func validate() throws {
        try require(imageSize >= 32 && imageSize <= 1024, "imageSize", imageSize, "use a crop size from 32 to 1024 (the paper uses 75)")
        try require([1, 3].contains(humanChannels), "humanChannels", humanChannels, "use 1 (gray) or 3 (RGB)")
        try require([1, 3].contains(characterChannels), "characterChannels", characterChannels, "use 1 (gray) or 3 (RGB)")
        try require(expressionCount >= 2 && expressionCount <= 1000, "expressionCount", expressionCount, "use 2 to 1000 classes (the paper uses 6)")
        try require(characterCount >= 1 && characterCount <= 1000, "characterCount", characterCount, "use 1 to 1000 characters")
        try require(codeSize >= 1 && codeSize <= 4096, "codeSize", codeSize, "use a code size from 1 to 4096 such as 128")
        try require(noiseSize >= 1 && noiseSize <= 4096, "noiseSize", noiseSize, "use a noise size from 1 to 4096 such as 50")
        try require(l1Weight >= 0 && l1Weight.isFinite, "l1Weight", l1Weight, "use a finite weight >= 0 (default 100)")
        try require(testNoiseDraws >= 1 && testNoiseDraws <= 1000, "testNoiseDraws", testNoiseDraws, "use 1 to 1000 draws")
        try require(testCharacter >= 0 && testCharacter < characterCount, "testCharacter", testCharacter,
                    "use a character index in 0..<\(characterCount) (characterCount)")
        try require(averageDecay > 0 && averageDecay < 1, "averageDecay", averageDecay, "use a decay in (0, 1) such as 0.999")
        try require(leakySlope >= 0 && leakySlope < 1, "leakySlope", leakySlope, "use a slope in [0, 1) such as 0.2")
        try Models.validate(generatorAdam, key: "generatorAdam")
        try Models.validate(discriminatorAdam, key: "discriminatorAdam")
        try require(batchSize >= 2 && batchSize <= 4096, "batchSize", batchSize, "use 2 to 4096 (batch normalisation needs more than one image; the paper uses 130)")
        try require(epochs >= 1, "epochs", epochs, "use at least 1 epoch (the paper uses 200)")
    }

    /// Channels of the discriminator's input.
    public var discriminatorChannels: Int {
        discriminatorInput == .pair ? humanChannels + characterChannels : characterChannels
    }
}
