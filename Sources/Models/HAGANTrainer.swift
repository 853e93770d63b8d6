// The HA-GAN trainer: both networks, both Adam optimisers, the noise stream, and the training
// iteration of section 5.1 (generate; D step with eq. (5) divided by two; G step with eq. (3) + (4)),
// plus the epoch loop that averages the step losses. It returns metrics and never writes anywhere:
// the caller records them. Evaluation, checkpoints and sample grids are in the files beside this one.

import NN

/// Points inside `HAGANTrainer.step` at which an observer may look at the networks.
public enum StepPhase: Sendable { case discriminatorUpdated, generatorUpdated }

public final class HAGANTrainer {
    public let config: HAGANConfig
    public let generator: Generator
    public let discriminator: Discriminator
    public let generatorOptimizer: Adam
    public let discriminatorOptimizer: Adam
    /// The weight-averaged copies of G and D that predict when `config.evaluation` is `averaged`
    /// (their parameters are named "average.generator...", "average.discriminator...").
    public let averaged: (generator: Generator, discriminator: Discriminator)?
    let average: WeightAverage?

    /// Every parameter and buffer of the networks, the averaged copies included (what a checkpoint holds).
    var networkTensors: [Parameter] {
        var all = generator.parameters + generator.buffers + discriminator.parameters + discriminator.buffers
        if let (g, d) = averaged { all += g.parameters + g.buffers + d.parameters + d.buffers }
        return all
    }
    /// The job's root stream: initialisation, noise, test noise and sample noise are its children
    /// (derived from its seed alone; saved in checkpoints).
    public internal(set) var random: SeededGenerator
    /// The stream z is drawn from during training (saved in checkpoints).
    public internal(set) var noiseStream: SeededGenerator
    /// Epochs finished so far; the next `trainEpoch` trains epoch `completedEpochs + 1`.
    public internal(set) var completedEpochs = 0
    private var stepInEpoch = 0

    /// A freshly initialised HA-GAN; throws `ModelConfigError` for an unusable configuration.
    public init(config: HAGANConfig, random: SeededGenerator) throws {
        try config.validate()
        self.config = config
        self.random = random
        (generator, discriminator) = HAGANTrainer.networks(config)
        var initG = random.child("init-generator")
        for part in [generator.encoder, generator.decoder] {
            initialize(part, config.initialization.scheme, slope: config.leakySlope, generator: &initG)
        }
        var initD = random.child("init-discriminator")
        for part in [discriminator.trunk, discriminator.realFake, discriminator.expression] {
            initialize(part, config.initialization.scheme, slope: config.leakySlope, generator: &initD)
        }
        generatorOptimizer = Adam(generator.parameters, settings: config.generatorAdam)
        discriminatorOptimizer = Adam(discriminator.parameters, settings: config.discriminatorAdam)
        noiseStream = random.child("noise")
        if config.evaluation == .averaged {
            let (g, d) = HAGANTrainer.networks(config, namePrefix: "average.")
            averaged = (g, d)
            average = WeightAverage(live: generator.parameters + discriminator.parameters,
                                    shadow: g.parameters + d.parameters, decay: config.averageDecay)
        } else {
            averaged = nil
            average = nil
        }
    }

    /// G and D as `config` describes them, uninitialised.
    static func networks(_ config: HAGANConfig, namePrefix: String = "") -> (Generator, Discriminator) {
        (Generator(imageSize: config.imageSize, inputChannels: config.humanChannels, outputChannels: config.characterChannels,
                   codeSize: config.codeSize, identityCount: config.characterCount, noiseSize: config.noiseSize,
                   leakySlope: config.leakySlope, namePrefix: namePrefix),
         Discriminator(inputChannels: config.discriminatorChannels, imageSize: config.imageSize,
                       expressionCount: config.expressionCount, leakySlope: config.leakySlope, namePrefix: namePrefix))
    }

    /// One training iteration (section 5.1): G and D are updated one after the other.
    /// `observe` is called after each update (tests use it to check what each step changes).
    @discardableResult
    public func step(_ batch: HAGANBatch, observe: ((StepPhase) -> Void)? = nil) throws -> HAGANStepLosses {
        checkShapes(batch)
        stepInEpoch += 1
        let n = batch.labels.count
        let realTargets = [Float](repeating: 1, count: n), fakeTargets = [Float](repeating: 0, count: n)
        var losses = HAGANStepLosses()
        losses.count = n

        // 1. Generate: I'_AE = G(I_HE, Id_AN, z), z drawn from the trainer's own noise stream.
        let noise = HAGANTrainer.drawNoise(count: n, config: config, from: &noiseStream)
        let identities = oneHot(batch.identities, classes: config.characterCount)
        let generated = generator.forward(batch.humans, identities: identities, noise: noise, mode: .train)

        // 2. D step, eq. (5) divided by two: on real pairs (I_HE, I_AE) D^e learns the expression and
        //    D^R says "real"; on generated pairs D^R says "fake" (and D^e learns the expression when
        //    configured). Each term's gradient carries the factor 1/2.
        zeroGrad(discriminator.parameters)
        let realOutput = discriminator.forward(discriminatorInput(batch.humans, batch.characters), mode: .train)
        let expressionReal = softmaxCrossEntropy(logits: realOutput.expression, labels: batch.labels, weight: 0.5).result
        let realPairs = bceWithLogits(logits: realOutput.realFake, targets: realTargets, weight: 0.5)
        discriminator.backward(realFake: realPairs.gradient, expression: expressionReal.gradient, inputGradient: false)

        let generatedPair = discriminatorInput(batch.humans, generated)
        let generatedOutput = discriminator.forward(generatedPair, mode: .train)
        let learnGenerated = config.discriminatorExpressionOnGenerated
        let generatedPairs = bceWithLogits(logits: generatedOutput.realFake, targets: fakeTargets, weight: 0.5)
        let expressionGenerated = softmaxCrossEntropy(
            logits: generatedOutput.expression, labels: batch.labels, weight: learnGenerated ? 0.5 : 0).result
        discriminator.backward(realFake: generatedPairs.gradient, expression: expressionGenerated.gradient, inputGradient: false)

        losses.discriminatorExpressionReal = expressionReal.loss
        losses.discriminatorRealPairs = realPairs.loss
        losses.discriminatorGeneratedPairs = generatedPairs.loss
        losses.discriminatorExpressionGenerated = expressionGenerated.loss
        losses.discriminator = (expressionReal.loss + realPairs.loss + generatedPairs.loss
            + (learnGenerated ? expressionGenerated.loss : 0)) / 2
        losses.correctReal = correctCount(realOutput.expression, batch.labels)
        losses.correctGenerated = correctCount(generatedOutput.expression, batch.labels)
        try checkFinite(losses.discriminator, "discriminator")
        discriminatorOptimizer.update()
        observe?(.discriminatorUpdated)

        // 3. G step, eq. (3) + (4), against the D just updated: the non-saturating adversarial term
        //    (D^R should say "real"), D^e's cross-entropy on the generated pair, and lambda * L1 to the
        //    character's NEUTRAL image. D runs forward and backward on the generated pair, without
        //    its weight gradients (D is not updated here; its convolutions keep no columns for
        //    them); the gradient w.r.t. the generated image is
        //    split from the pair's input gradient.
        setRequiresGrad(discriminator.parameters, false)
        let output = discriminator.forward(generatedPair, mode: .train)
        let adversarial = bceWithLogits(logits: output.realFake, targets: realTargets)
        let expression = softmaxCrossEntropy(logits: output.expression, labels: batch.labels).result
        let dPair = discriminator.backward(realFake: adversarial.gradient, expression: expression.gradient, inputGradient: true)
        setRequiresGrad(discriminator.parameters, true)
        var dGenerated = characterGradient(dPair)
        let l1 = l1Loss(prediction: generated, target: batch.neutralCharacters, weight: config.l1Weight)
        dGenerated.add(l1.gradient)

        losses.generatorAdversarial = adversarial.loss
        losses.generatorExpression = expression.loss
        losses.generatorL1 = l1.loss
        losses.generator = adversarial.loss + expression.loss + config.l1Weight * l1.loss
        try checkFinite(losses.generator, "generator")
        zeroGrad(generator.parameters)
        generator.backward(dGenerated)
        generatorOptimizer.update()
        zeroGrad(discriminator.parameters)
        average?.update(step: generatorOptimizer.step)
        observe?(.generatorUpdated)
        return losses
    }

    /// Trains one epoch over `batches` and returns its metrics. Then, with `training` (the training
    /// images, centre crops), gets the evaluation networks ready (`prepareEvaluation`); with `test`,
    /// also the test accuracy (monitoring only). Throws `TrainingError.diverged` when a loss stops
    /// being finite.
    public func trainEpoch<Batches: Sequence>(_ batches: Batches, training: Tensor? = nil, test: LabeledImages? = nil) throws
        -> HAGANEpochMetrics
    where Batches.Element == HAGANBatch {
        stepInEpoch = 0
        let factor = Float(config.learningRateSchedule.factor(epoch: completedEpochs + 1, of: config.epochs))
        generatorOptimizer.settings.lr = config.generatorAdam.lr * factor
        discriminatorOptimizer.settings.lr = config.discriminatorAdam.lr * factor
        var sums = [Double](repeating: 0, count: 9)
        var correctReal = 0, correctGenerated = 0, samples = 0, steps = 0
        for batch in batches {
            let l = try step(batch)
            let terms = [l.discriminatorExpressionReal, l.discriminatorRealPairs, l.discriminatorGeneratedPairs,
                         l.discriminatorExpressionGenerated, l.discriminator, l.generatorAdversarial,
                         l.generatorExpression, l.generatorL1, l.generator]
            for (i, t) in terms.enumerated() { sums[i] += Double(t) }
            correctReal += l.correctReal
            correctGenerated += l.correctGenerated
            samples += l.count
            steps += 1
        }
        guard steps > 0 else { throw TrainingError.emptyEpoch(epoch: completedEpochs + 1) }
        completedEpochs += 1
        if let training { prepareEvaluation(training: training) }
        let mean = sums.map { $0 / Double(steps) }
        return HAGANEpochMetrics(
            epoch: completedEpochs, steps: steps,
            discriminatorExpressionReal: mean[0], discriminatorRealPairs: mean[1], discriminatorGeneratedPairs: mean[2],
            discriminatorExpressionGenerated: mean[3], discriminator: mean[4], generatorAdversarial: mean[5],
            generatorExpression: mean[6], generatorL1: mean[7], generator: mean[8],
            realPairAccuracy: Double(correctReal) / Double(samples),
            generatedPairAccuracy: Double(correctGenerated) / Double(samples),
            testAccuracy: test.map { accuracy(predict($0.images), labels: $0.labels) })
    }

    /// z for `count` samples [count, noiseSize] from `stream`, in the configured distribution.
    public static func drawNoise(count: Int, config: HAGANConfig, from stream: inout SeededGenerator) -> Tensor {
        var z = Tensor(zeros: [count, config.noiseSize])
        for i in 0..<z.count {
            z.scalars[i] = config.noiseDistribution == .normal ? stream.normal() : stream.uniform(-1, 1)
        }
        return z
    }

    /// D's input for human images and character images: the pair stacked on channels, or the
    /// character image alone (ablation).
    func discriminatorInput(_ humans: Tensor, _ characters: Tensor) -> Tensor {
        config.discriminatorInput == .pair ? concat([humans, characters]) : characters
    }

    /// The part of dLoss/d(D's input) that belongs to the character image.
    func characterGradient(_ dInput: Tensor) -> Tensor {
        config.discriminatorInput == .pair
            ? split(dInput, sizes: [config.humanChannels, config.characterChannels])[1] : dInput
    }

    private func checkFinite(_ loss: Float, _ term: String) throws {
        if !loss.isFinite {
            throw TrainingError.diverged(epoch: completedEpochs + 1, step: stepInEpoch, term: term, value: loss)
        }
    }

    private func checkShapes(_ b: HAGANBatch) {
        let n = b.labels.count, s = config.imageSize
        precondition(n >= 2, "HA-GAN batch of \(n) images: batch normalisation needs at least 2")
        precondition(b.humans.shape == [n, config.humanChannels, s, s],
                     "HA-GAN batch: humans \(b.humans.shape), expected \([n, config.humanChannels, s, s])")
        precondition(b.characters.shape == [n, config.characterChannels, s, s] && b.neutralCharacters.shape == b.characters.shape,
                     "HA-GAN batch: characters \(b.characters.shape), neutral \(b.neutralCharacters.shape), expected \([n, config.characterChannels, s, s])")
        precondition(b.identities.count == n, "HA-GAN batch: \(b.identities.count) identities for \(n) images")
        precondition(b.labels.allSatisfy { $0 >= 0 && $0 < config.expressionCount },
                     "HA-GAN batch: labels outside 0..<\(config.expressionCount): \(b.labels)")
    }
}
