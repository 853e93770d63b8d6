// The configuration JSON of checkpoints written before the model settings became Vocabulary's
// `HAGANSettings` / `CNNSettings` (numerics version 1): one flat object with the Models names
// (`discriminatorExpressionOnGenerated`, `generatorAdam`, ...), settings that builds before them did
// not write (their defaults: spec version 1's), and the spellings "characterOnly" and "fixedDraw".
// Such checkpoints are not resumed (they carry no numerics signature); `exp predict` still reads them.

import NN
import Vocabulary

/// A key of an earlier build's configuration object.
struct EarlierKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// The flat object as read: each value, or nil where the build that wrote it had no such setting.
struct EarlierConfiguration {
    let c: KeyedDecodingContainer<EarlierKey>

    init(_ decoder: Decoder) throws { c = try decoder.container(keyedBy: EarlierKey.self) }

    var isEarlier: Bool { !c.contains(EarlierKey("settings")) }

    func value<T: Decodable>(_ name: String) throws -> T? { try c.decodeIfPresent(T.self, forKey: EarlierKey(name)) }

    /// A choice, also in a former spelling.
    func choice<T: SpecChoice>(_ name: String, formerly: [String: T] = [:]) throws -> T? {
        guard let text: String = try value(name) else { return nil }
        guard let choice = T(rawValue: text) ?? formerly[text] else {
            throw ModelConfigError.invalid(key: name, value: text, requirement: "use one of " + T.allowedValues.joined(separator: ", "))
        }
        return choice
    }

    /// The training settings, spec version 1's defaults where absent.
    func training(adamKey: String) throws -> TrainingSettings {
        var t = TrainingSettings.defaults(specVersion: 1)
        if let v: Int = try value("epochs") { t.epochs = v }
        if let v: Int = try value("batchSize") { t.batchSize = v }
        if let adam: [String: Double] = try value(adamKey) {
            t.adam = AdamChoice(lr: adam["lr"] ?? t.adam.lr, beta1: adam["beta1"] ?? t.adam.beta1, beta2: adam["beta2"] ?? t.adam.beta2,
                                eps: adam["eps"] ?? t.adam.eps)
        }
        if let v: Initialization = try choice("initialization") { t.initialization = v }
        if let v: EvaluationNetworks = try choice("evaluation") { t.evaluation = v }
        if t.evaluation == .averaged { t.averageDecay = try value("averageDecay") ?? TrainingSettings.defaultAverageDecay }
        if let v: LearningRateSchedule = try choice("learningRateSchedule") { t.learningRateSchedule = v }
        return t
    }
}

extension HAGANConfig {
    /// An earlier build's flat configuration.
    init(earlier e: EarlierConfiguration) throws {
        var s = HAGANSettings.defaults(specVersion: 1)
        s.training = try e.training(adamKey: "generatorAdam")
        if let v: Int = try e.value("codeSize") { s.codeSize = v }
        if let v: Int = try e.value("noiseSize") { s.noiseSize = v }
        if let v: NoiseDistribution = try e.choice("noiseDistribution") { s.noiseDistribution = v }
        if let v: Double = try e.value("l1Weight") { s.l1Weight = v }
        if let v: Bool = try e.value("discriminatorExpressionOnGenerated") { s.expressionOnFakePairs = v }
        if let v: DiscriminatorInput = try e.choice("discriminatorInput", formerly: ["characterOnly": .character]) { s.discriminatorInput = v }
        if let v: TestNoise = try e.choice("testNoise", formerly: ["fixedDraw": .fixed]) { s.testNoise = v }
        if s.testNoise == .average { s.testNoiseDraws = try e.value("testNoiseDraws") ?? HAGANSettings.defaultTestNoiseDraws }
        self.init(settings: s)
        if let v: Int = try e.value("imageSize") { imageSize = v }
        if let v: Int = try e.value("humanChannels") { humanChannels = v }
        if let v: Int = try e.value("characterChannels") { characterChannels = v }
        if let v: Int = try e.value("expressionCount") { expressionCount = v }
        if let v: Int = try e.value("characterCount") { characterCount = v }
        if let v: Int = try e.value("testCharacter") { testCharacter = v }
        if let v: Float = try e.value("leakySlope") { leakySlope = v }
    }
}

extension CNNConfig {
    /// An earlier build's flat configuration.
    init(earlier e: EarlierConfiguration) throws {
        self.init(settings: try e.training(adamKey: "adam"))
        if let v: Int = try e.value("imageSize") { imageSize = v }
        if let v: Int = try e.value("channels") { channels = v }
        if let v: Int = try e.value("expressionCount") { expressionCount = v }
        if let v: Float = try e.value("leakySlope") { leakySlope = v }
    }
}
