// The evaluation networks (EvaluationNetworks.swift): the weight average follows its formula step by
// step, recalibration changes only the BatchNorm statistics of the networks that predict, and the
// learning-rate schedule keeps its factor through the first half, then decays.

import Models
import NN
import Testing
import Vocabulary

@Test func averagedWeightsFollowTheMovingAverage() throws {
    let data = ToyData(size: 32, subjects: 3, perClass: 2, seed: 4)
    var config = smallConfig()
    config.evaluation = .averaged
    config.averageDecay = 0.9
    let trainer = try HAGANTrainer(config: config, random: SeededGenerator(seed: 3))
    let (g, d) = try #require(trainer.averaged)
    #expect(g.parameters.map(\.value) == trainer.generator.parameters.map(\.value))
    let before = g.parameters.map(\.value)
    var order = SeededGenerator(seed: 1), pick = SeededGenerator(seed: 2)
    let batch = data.ganBatches(data.indices(subjects: 0..<3), batchSize: 6, order: &order, pick: &pick)[0]
    try trainer.step(batch)
    // Step 1: d = min(0.9, 2 / 11).
    let decay = min(Float(0.9), Float(2) / Float(11))
    for (i, p) in g.parameters.enumerated() {
        let live = trainer.generator.parameters[i].value.scalars
        let expected = zip(before[i].scalars, live).map { decay * $0 + (1 - decay) * $1 }
        #expect(zip(p.value.scalars, expected).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }, "\(p.name)")
    }
    #expect(d.parameters.map(\.value) != trainer.discriminator.parameters.map(\.value))
    #expect(g.parameters.allSatisfy { $0.name.hasPrefix("average.generator.") })
}

@Test func recalibrationChangesOnlyTheStatistics() throws {
    let data = ToyData(size: 32, subjects: 3, perClass: 2, seed: 4)
    var config = smallConfig()
    config.evaluation = .recalibrated
    let trainer = try HAGANTrainer(config: config, random: SeededGenerator(seed: 3))
    var order = SeededGenerator(seed: 1), pick = SeededGenerator(seed: 2)
    for batch in data.ganBatches(data.indices(subjects: 0..<3), batchSize: 6, order: &order, pick: &pick) { try trainer.step(batch) }
    let weights = (trainer.generator.parameters + trainer.discriminator.parameters).map(\.value)
    let statistics = (trainer.generator.buffers + trainer.discriminator.buffers).map(\.value)
    trainer.prepareEvaluation(training: data.labeled(data.indices(subjects: 0..<3)).images)
    #expect((trainer.generator.parameters + trainer.discriminator.parameters).map(\.value) == weights)
    let recomputed = (trainer.generator.buffers + trainer.discriminator.buffers).map(\.value)
    #expect(recomputed.count == statistics.count && recomputed != statistics)
    // The same images give the same statistics again (they do not depend on the previous ones).
    trainer.prepareEvaluation(training: data.labeled(data.indices(subjects: 0..<3)).images)
    #expect((trainer.generator.buffers + trainer.discriminator.buffers).map(\.value) == recomputed)
}

@Test func linearDecayHoldsThenFallsTowardsZero() {
    let s = LearningRateSchedule.linearDecay
    #expect((1...15).allSatisfy { s.factor(epoch: $0, of: 30) == 1 })
    #expect(abs(s.factor(epoch: 16, of: 30) - (1 - 1.0 / 16)) < 1e-12)
    #expect(abs(s.factor(epoch: 30, of: 30) - 1.0 / 16) < 1e-12)
    #expect(zip(16...29, 17...30).allSatisfy { s.factor(epoch: $0, of: 30) > s.factor(epoch: $1, of: 30) })
    #expect(LearningRateSchedule.constant.factor(epoch: 30, of: 30) == 1)
}
