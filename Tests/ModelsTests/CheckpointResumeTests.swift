// Resuming from a checkpoint ends bit-identical to a run that never stopped; a checkpoint of another
// model, architecture or spec is refused with an error naming what differs.

import Foundation
import Models
import NN
import Testing
import Vocabulary

private func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("models-tests-\(getpid())-\(name)").path
}

/// Epochs `range` of a toy HA-GAN run whose data order and character draws come from per-epoch streams.
private func runGAN(_ trainer: HAGANTrainer, epochs range: ClosedRange<Int>, data: ToyData) throws -> [HAGANEpochMetrics] {
    let train = data.indices(subjects: 0..<3), test = data.labeled(data.indices(subjects: 3..<4))
    return try range.map { epoch in
        var order = SeededGenerator(seed: 5).child("order", epoch), pick = SeededGenerator(seed: 5).child("pick", epoch)
        return try trainer.trainEpoch(data.ganBatches(train, batchSize: 6, order: &order, pick: &pick),
                                      training: data.labeled(train).images, test: test)
    }
}

private func resumeConfig() -> HAGANConfig {
    var config = smallConfig()
    config.testNoise = .fixed
    return config
}

/// The paper's evaluation, and the remedies (recalibrated statistics; averaged weights with a
/// learning rate that decays), whose averages and statistics the checkpoint must carry.
private let evaluationSettings: [(EvaluationNetworks, LearningRateSchedule)] = [(.last, .constant), (.recalibrated, .constant), (.averaged, .linearDecay)]

@Test(arguments: evaluationSettings)
func resumedHAGANEndsBitIdentical(evaluation: EvaluationNetworks, schedule: LearningRateSchedule) throws {
    let data = ToyData(size: 32, subjects: 4, perClass: 2, seed: 1)
    var config = resumeConfig()
    config.evaluation = evaluation
    config.learningRateSchedule = schedule
    config.epochs = 4
    let straight = try HAGANTrainer(config: config, random: SeededGenerator(seed: 21))
    let expected = try runGAN(straight, epochs: 1...4, data: data)

    let first = try HAGANTrainer(config: config, random: SeededGenerator(seed: 21))
    let before = try runGAN(first, epochs: 1...2, data: data)
    let path = temporaryPath("hagan.ckpt")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try first.checkpoint(extra: ["data-order": "kept"]).write(to: path)

    // A trainer built with another seed: everything comes from the checkpoint.
    let resumed = try HAGANTrainer(config: config, random: SeededGenerator(seed: 999))
    let extra = try resumed.restore(from: Checkpoint.read(from: path))
    #expect(extra == ["data-order": "kept"])
    #expect(resumed.completedEpochs == 2)
    let after = try runGAN(resumed, epochs: 3...4, data: data)
    #expect(before + after == expected)
    #expect(after.last!.epoch == 4)
    #expect(values(resumed) == values(straight))
}

private func values(_ t: HAGANTrainer) -> [Tensor] {
    var all = t.generator.parameters + t.generator.buffers + t.discriminator.parameters + t.discriminator.buffers
    if let (g, d) = t.averaged { all += g.parameters + g.buffers + d.parameters + d.buffers }
    return all.map(\.value)
}

@Test(arguments: evaluationSettings)
func resumedCNNEndsBitIdentical(evaluation: EvaluationNetworks, schedule: LearningRateSchedule) throws {
    let data = ToyData(size: 32, subjects: 3, perClass: 2, seed: 2)
    var config = CNNConfig()
    config.imageSize = 32
    config.evaluation = evaluation
    config.learningRateSchedule = schedule
    config.epochs = 3
    func run(_ t: CNNTrainer, _ range: ClosedRange<Int>) throws -> [CNNEpochMetrics] {
        try range.map { epoch in
            var order = SeededGenerator(seed: 8).child("order", epoch)
            return try t.trainEpoch(data.cnnBatches(data.indices(subjects: 0..<2), batchSize: 6, order: &order),
                                    training: data.labeled(data.indices(subjects: 0..<2)).images,
                                    test: data.labeled(data.indices(subjects: 2..<3)))
        }
    }
    let expected = try run(CNNTrainer(config: config, random: SeededGenerator(seed: 3)), 1...3)
    let first = try CNNTrainer(config: config, random: SeededGenerator(seed: 3))
    let before = try run(first, 1...1)
    let resumed = try CNNTrainer(config: config, random: SeededGenerator(seed: 4))
    try resumed.restore(from: Checkpoint.decode(first.checkpoint().encoded(), path: "memory"))
    #expect(before + (try run(resumed, 2...3)) == expected)
}

@Test func anotherArchitectureIsRefusedNamingTheTensor() throws {
    let saved = try HAGANTrainer(config: smallConfig(size: 32), random: SeededGenerator(seed: 1)).checkpoint()
    let other = try HAGANTrainer(config: smallConfig(size: 48), random: SeededGenerator(seed: 1))
    let g0 = other.generator.parameters.map(\.value)
    do {
        try other.restore(from: saved)
        Issue.record("a 32x32 checkpoint was loaded into a 48x48 model")
    } catch let error as ModelCheckpointError {
        guard case .architecture = error else { Issue.record("unexpected error \(error)"); return }
        #expect(error.description.contains("generator.encoder.13.weight"), "\(error)")
        #expect(error.description.contains("imageSize: checkpoint 32, current 48"), "\(error)")
    }
    #expect(other.generator.parameters.map(\.value) == g0, "a refused checkpoint must change nothing")
}

@Test func anotherSpecOrModelIsRefused() throws {
    let saved = try HAGANTrainer(config: smallConfig(), random: SeededGenerator(seed: 1)).checkpoint()
    var changed = smallConfig()
    changed.l1Weight = 10
    #expect(throws: ModelCheckpointError.specMismatch(path: "", key: "l1Weight", checkpoint: "100", current: "10")) {
        try HAGANTrainer(config: changed, random: SeededGenerator(seed: 1)).restore(from: saved)
    }
    var cnnConfig = CNNConfig()
    cnnConfig.imageSize = 32
    #expect(throws: ModelCheckpointError.wrongModel(path: "", found: "hagan", expected: "cnn")) {
        try CNNTrainer(config: cnnConfig, random: SeededGenerator(seed: 1)).restore(from: saved)
    }
}

/// The flat configuration an earlier build (before numerics versions) wrote for `smallConfig()`
/// with `testNoise` fixed and D on the character alone, in its former spellings, without the
/// settings added later (`evaluation`, `averageDecay`, `learningRateSchedule`).
let earlierConfigJSON = """
    {"batchSize":8,"characterChannels":1,"characterCount":6,"codeSize":128,\
    "discriminatorAdam":{"beta1":0.5,"beta2":0.999,"eps":1e-08,"lr":0.0002},"discriminatorExpressionOnGenerated":false,\
    "discriminatorInput":"characterOnly","epochs":200,"expressionCount":6,\
    "generatorAdam":{"beta1":0.5,"beta2":0.999,"eps":1e-08,"lr":0.0002},"humanChannels":1,"imageSize":32,\
    "initialization":"dcgan","l1Weight":100,"leakySlope":0.2,"noiseDistribution":"normal","noiseSize":50,\
    "testCharacter":0,"testNoise":"fixedDraw","testNoiseDraws":10}
    """

@Test func checkpointsOfAnEarlierBuildStillLoad() throws {
    // `exp predict` reads a checkpoint an earlier build wrote: its configuration is today's with the
    // defaults of spec version 1 for the settings it did not write, and its weights load.
    var config = smallConfig()
    config.testNoise = .fixed
    config.discriminatorInput = .character
    let trainer = try HAGANTrainer(config: config, random: SeededGenerator(seed: 5))
    var old = trainer.checkpoint()
    old.metadata["config"] = earlierConfigJSON
    let loaded = try HAGANTrainer(checkpoint: Checkpoint.decode(old.encoded(), path: "old.ckpt"))
    #expect(loaded.config == config)
    #expect(loaded.generator.parameters.map(\.value) == trainer.generator.parameters.map(\.value))
    let restored = try HAGANTrainer(config: config, random: SeededGenerator(seed: 9))
    try restored.restore(from: Checkpoint.decode(old.encoded(), path: "old.ckpt"))
    #expect(restored.generator.parameters.map(\.value) == trainer.generator.parameters.map(\.value))
}

@Test func configsOfEarlierCheckpointsReadTheirFormerSpellings() throws {
    var config = smallConfig()
    config.discriminatorInput = .character
    config.testNoise = .fixed
    #expect(try JSONDecoder().decode(HAGANConfig.self, from: Data(earlierConfigJSON.utf8)) == config)
    let unknown = earlierConfigJSON.replacingOccurrences(of: #""testNoise":"fixedDraw""#, with: #""testNoise":"sometimes""#)
    #expect(throws: ModelConfigError.self) { try JSONDecoder().decode(HAGANConfig.self, from: Data(unknown.utf8)) }
}
