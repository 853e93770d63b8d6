// The HA-GAN iteration: what each phase changes, every loss term against a hand computation on a
// tiny fixed batch, and a non-finite loss reported as divergence.

import Foundation
import Models
import NN
import Testing

private func values(_ ps: [Parameter]) -> [Tensor] { ps.map(\.value) }

@Test func discriminatorStepLeavesGAloneAndGeneratorStepLeavesDAlone() throws {
    let config = smallConfig()
    let trainer = try HAGANTrainer(config: config, random: SeededGenerator(seed: 7))
    let g0 = values(trainer.generator.parameters), d0 = values(trainer.discriminator.parameters)
    var dAfterDStep: [Tensor] = []
    var phases: [StepPhase] = []
    try trainer.step(randomBatch(config, n: 6, seed: 1)) { phase in
        phases.append(phase)
        switch phase {
        case .discriminatorUpdated:
            #expect(values(trainer.generator.parameters) == g0, "the D step changed G")
            #expect(values(trainer.discriminator.parameters) != d0, "the D step did not change D")
            dAfterDStep = values(trainer.discriminator.parameters)
        case .generatorUpdated:
            #expect(values(trainer.discriminator.parameters) == dAfterDStep, "the G step changed D")
            #expect(values(trainer.generator.parameters) != g0, "the G step did not change G")
        }
    }
    #expect(phases == [.discriminatorUpdated, .generatorUpdated])
    #expect(trainer.discriminator.parameters.allSatisfy { $0.grad.scalars.allSatisfy { $0 == 0 } },
            "D's gradients from the G step must be discarded")
}

/// Double-precision loss formulas, written independently of NN's kernels.
private func crossEntropy(_ logits: Tensor, _ labels: [Int]) -> Double {
    let k = logits.shape[1]
    var total = 0.0
    for (i, y) in labels.enumerated() {
        let row = (0..<k).map { Double(logits.scalars[i * k + $0]) }
        total += log(row.map { exp($0) }.reduce(0, +)) - row[y]
    }
    return total / Double(labels.count)
}

/// -mean log sigmoid(x) for target 1, -mean log(1 - sigmoid(x)) for target 0.
private func binaryCrossEntropy(_ logits: Tensor, target: Double) -> Double {
    logits.scalars.map { x -> Double in
        let p = 1 / (1 + exp(-Double(x)))
        return -(target * log(p) + (1 - target) * log(1 - p))
    }.reduce(0, +) / Double(logits.count)
}

private func meanAbsolute(_ a: Tensor, _ b: Tensor) -> Double {
    zip(a.scalars, b.scalars).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(a.count)
}

private func close(_ a: Float, _ b: Double, _ what: String) {
    #expect(abs(Double(a) - b) <= 1e-4 * max(1, abs(b)), "\(what): step reported \(a), hand computation \(b)")
}

@Test(arguments: [false, true])
func lossTermsMatchAHandComputation(expressionOnGenerated: Bool) throws {
    var config = smallConfig()
    config.l1Weight = 7
    config.discriminatorExpressionOnGenerated = expressionOnGenerated
    let trainer = try HAGANTrainer(config: config, random: SeededGenerator(seed: 11))
    let batch = randomBatch(config, n: 4, seed: 3)
    // A twin with the same state computes each network output again, outside the step.
    let twin = try HAGANTrainer(config: config, random: SeededGenerator(seed: 999))
    try twin.restore(from: trainer.checkpoint())
    var noiseStream = trainer.noiseStream
    let z = HAGANTrainer.drawNoise(count: 4, config: config, from: &noiseStream)
    var ids = Tensor(zeros: [4, config.characterCount])
    for (i, id) in batch.identities.enumerated() { ids.scalars[i * config.characterCount + id] = 1 }

    // D step inputs: G and D before any update.
    let generatedBefore = twin.generator.forward(batch.humans, identities: ids, noise: z, mode: .train)
    let real = twin.discriminator.forward(concat([batch.humans, batch.characters]), mode: .train)
    let fake = twin.discriminator.forward(concat([batch.humans, generatedBefore]), mode: .train)

    // G step inputs: G before its update, D after its update (taken from inside the step).
    var gTerms: (adversarial: Double, expression: Double, l1: Double) = (0, 0, 0)
    let losses = try trainer.step(batch) { phase in
        guard phase == .discriminatorUpdated else { return }
        let mid = try! HAGANTrainer(config: config, random: SeededGenerator(seed: 5))
        try! mid.restore(from: trainer.checkpoint())
        let generated = mid.generator.forward(batch.humans, identities: ids, noise: z, mode: .train)
        let out = mid.discriminator.forward(concat([batch.humans, generated]), mode: .train)
        gTerms = (binaryCrossEntropy(out.realFake, target: 1), crossEntropy(out.expression, batch.labels),
                  meanAbsolute(generated, batch.neutralCharacters))
    }

    let ceReal = crossEntropy(real.expression, batch.labels)
    let bceReal = binaryCrossEntropy(real.realFake, target: 1)
    let bceFake = binaryCrossEntropy(fake.realFake, target: 0)
    let ceFake = crossEntropy(fake.expression, batch.labels)
    close(losses.discriminatorExpressionReal, ceReal, "CE of D^e on real pairs")
    close(losses.discriminatorRealPairs, bceReal, "BCE of D^R on real pairs")
    close(losses.discriminatorGeneratedPairs, bceFake, "BCE of D^R on generated pairs")
    close(losses.discriminatorExpressionGenerated, ceFake, "CE of D^e on generated pairs")
    close(losses.discriminator, (ceReal + bceReal + bceFake + (expressionOnGenerated ? ceFake : 0)) / 2, "D objective / 2")
    close(losses.generatorAdversarial, gTerms.adversarial, "non-saturating adversarial term")
    close(losses.generatorExpression, gTerms.expression, "CE of D^e on the generated pair")
    close(losses.generatorL1, gTerms.l1, "L1 to the neutral character image")
    close(losses.generator, gTerms.adversarial + gTerms.expression + 7 * gTerms.l1, "G objective")
    #expect(gTerms.l1 > 0.1, "the L1 term is not trivially zero")
}

@Test func aNonFiniteLossIsReportedAsDivergence() throws {
    var config = smallConfig()
    config.settings.training.adam.lr = 1e30
    let trainer = try HAGANTrainer(config: config, random: SeededGenerator(seed: 2))
    let batches = (0..<6).map { randomBatch(config, n: 4, seed: UInt64($0)) }
    var caught: TrainingError?
    do {
        for _ in 0..<3 { _ = try trainer.trainEpoch(batches) }
    } catch let error as TrainingError {
        caught = error
    }
    guard case .diverged(let epoch, let step, let term, let value)? = caught else {
        Issue.record("an absurd learning rate did not diverge")
        return
    }
    #expect(!value.isFinite)
    #expect(epoch >= 1 && epoch <= 3 && step >= 1 && step <= 6)
    #expect(["discriminator", "generator"].contains(term))
    #expect(caught!.description.contains("epoch \(epoch), step \(step)"))
}

@Test func cnnDivergenceIsReported() throws {
    var config = CNNConfig()
    config.imageSize = 32
    let trainer = try CNNTrainer(config: config, random: SeededGenerator(seed: 1))
    var images = randomTensor([4, 1, 32, 32], seed: 1)
    images.scalars[5] = .nan
    do {
        _ = try trainer.trainEpoch([LabeledImages(images: images, labels: [0, 1, 2, 3])])
        Issue.record("a NaN input did not end the epoch")
    } catch TrainingError.diverged(let epoch, let step, let term, let value) {
        #expect(epoch == 1 && step == 1 && term == "cross-entropy" && value.isNaN)
    }
}
