// The CNN baseline configuration: HA-GAN's discriminator trunk and expression branch trained on the
// human images alone (the paper's "CNN(baseline)" row), with the same optimiser settings.
// Decoding is strict (an unknown key is an error); a missing key takes its default.

import NN
import Vocabulary

public struct CNNConfig: Codable, Equatable, Sendable {
    /// Side of the square input crop (section 5.1: 75), 32 or more.
    public var imageSize = PaperProtocol.cropSize
    /// Channels of the human images (1 gray, 3 RGB).
    public var channels = 1
    /// Expression classes (six basic expressions).
    public var expressionCount = 6
    /// The network that predicts at test time, as HA-GAN's `evaluation` (default: the last weights).
    public var evaluation = EvaluationNetworks.last
    /// Decay of the weight average per training step when `evaluation` is `averaged`.
    public var averageDecay = Float(EvaluationNetworks.defaultAverageDecay)
    /// The learning rate over the epochs (default constant).
    public var learningRateSchedule = LearningRateSchedule.constant
    /// Weight initialisation; DCGAN's N(0, 0.02), as HA-GAN's discriminator.
    public var initialization = Initialization.dcgan
    /// Slope of the LeakyReLU activations (reference 0.2).
    public var leakySlope: Float = 0.2
    /// Adam as HA-GAN's (section 5.1: lr 0.0002, momentum 0.5; beta2 0.999).
    public var adam = AdamSettings()
    /// Batch size (section 5.1: 130). Read by whoever builds the batches.
    public var batchSize = PaperProtocol.batchSize
    /// Training epochs (section 5.1: 200). Read by whoever runs the epochs.
    public var epochs = PaperProtocol.epochs

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case imageSize, channels, expressionCount, evaluation, averageDecay, learningRateSchedule, initialization, leakySlope
        case adam, batchSize, epochs
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(decoder, CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CNNConfig()
        imageSize = try c.value(.imageSize, or: d.imageSize)
        channels = try c.value(.channels, or: d.channels)
        expressionCount = try c.value(.expressionCount, or: d.expressionCount)
        evaluation = try c.value(.evaluation, or: d.evaluation)
        averageDecay = try c.value(.averageDecay, or: d.averageDecay)
        learningRateSchedule = try c.value(.learningRateSchedule, or: d.learningRateSchedule)
        initialization = try c.value(.initialization, or: d.initialization)
        leakySlope = try c.value(.leakySlope, or: d.leakySlope)
        adam = try c.decodeIfPresent(StrictAdamSettings.self, forKey: .adam)?.settings ?? d.adam
        batchSize = try c.value(.batchSize, or: d.batchSize)
        epochs = try c.value(.epochs, or: d.epochs)
    }

    /// Checks every field; the error names the first unusable one and says what to use instead.
    public func validate() throws {
        try require(imageSize >= 32 && imageSize <= 1024, "imageSize", imageSize, "use a crop size from 32 to 1024 (the paper uses 75)")
        try require([1, 3].contains(channels), "channels", channels, "use 1 (gray) or 3 (RGB)")
        try require(expressionCount >= 2 && expressionCount <= 1000, "expressionCount", expressionCount, "use 2 to 1000 classes (the paper uses 6)")
        try require(averageDecay > 0 && averageDecay < 1, "averageDecay", averageDecay, "use a decay in (0, 1) such as 0.999")
        try require(leakySlope >= 0 && leakySlope < 1, "leakySlope", leakySlope, "use a slope in [0, 1) such as 0.2")
        try Models.validate(adam, key: "adam")
        try require(batchSize >= 2 && batchSize <= 4096, "batchSize", batchSize, "use 2 to 4096 (batch normalisation needs more than one image; the paper uses 130)")
        try require(epochs >= 1, "epochs", epochs, "use at least 1 epoch (the paper uses 200)")
    }
}

/// The settings the CNN baseline and HA-GAN have alike, so that whoever fills them from a spec
/// does it once for both.
public protocol TrainingSettings {
    var imageSize: Int { get set }
    var expressionCount: Int { get set }
    var initialization: Initialization { get set }
    var evaluation: EvaluationNetworks { get set }
    var averageDecay: Float { get set }
    var learningRateSchedule: LearningRateSchedule { get set }
    var batchSize: Int { get set }
    var epochs: Int { get set }
}

extension CNNConfig: TrainingSettings {}
extension HAGANConfig: TrainingSettings {}
