// The CNN baseline trainer: HA-GAN's discriminator trunk and expression branch trained with
// cross-entropy on the human images alone, Adam as HA-GAN's; prediction is direct.

import NN
import Vocabulary

public final class CNNTrainer {
    public let config: CNNConfig
    public let network: CNNBaseline
    public let optimizer: Adam
    /// The weight-averaged copy that predicts when `config.evaluation` is `averaged` (its
    /// parameters are named "average.cnn...").
    public let averaged: CNNBaseline?
    let average: WeightAverage?

    /// Every parameter and buffer of the network, the averaged copy included (what a checkpoint holds).
    var networkTensors: [Parameter] {
        network.parameters + network.buffers + (averaged.map { $0.parameters + $0.buffers } ?? [])
    }
    /// The job's root stream (initialisation is its "init-cnn" child).
    public let random: SeededGenerator
    /// Epochs finished so far.
    public internal(set) var completedEpochs = 0
    private var stepInEpoch = 0

    /// A freshly initialised baseline; throws `ModelConfigError` for an unusable configuration.
    public init(config: CNNConfig, random: SeededGenerator) throws {
        try config.validate()
        self.config = config
        self.random = random
        network = CNNTrainer.network(config)
        var initStream = random.child("init-cnn")
        for part in [network.trunk, network.expression] {
            initialize(part, config.initialization.scheme, slope: config.leakySlope, generator: &initStream)
        }
        optimizer = Adam(network.parameters, settings: config.adam)
        if config.evaluation == .averaged {
            let copy = CNNTrainer.network(config, namePrefix: "average.")
            averaged = copy
            average = WeightAverage(live: network.parameters, shadow: copy.parameters, decay: config.averageDecay)
        } else {
            averaged = nil
            average = nil
        }
    }

    /// The baseline network as `config` describes it, uninitialised.
    static func network(_ config: CNNConfig, namePrefix: String = "") -> CNNBaseline {
        CNNBaseline(inputChannels: config.channels, imageSize: config.imageSize, expressionCount: config.expressionCount,
                    leakySlope: config.leakySlope, namePrefix: namePrefix)
    }

    /// One step: cross-entropy of the expression logits, backward, Adam. Returns (loss, correct).
    @discardableResult
    public func step(_ batch: LabeledImages) throws -> (loss: Float, correct: Int) {
        let s = config.imageSize, n = batch.labels.count
        precondition(n >= 2 && batch.images.shape == [n, config.channels, s, s],
                     "CNN batch: images \(batch.images.shape), expected [N >= 2, \(config.channels), \(s), \(s)]")
        stepInEpoch += 1
        zeroGrad(network.parameters)
        let logits = network.forward(batch.images, mode: .train)
        let ce = softmaxCrossEntropy(logits: logits, labels: batch.labels).result
        if !ce.loss.isFinite {
            throw TrainingError.diverged(epoch: completedEpochs + 1, step: stepInEpoch, term: "cross-entropy", value: ce.loss)
        }
        network.backward(ce.gradient)
        optimizer.update()
        average?.update(step: optimizer.step)
        return (ce.loss, correctCount(logits, batch.labels))
    }

    /// Trains one epoch over `batches`; then, with `training` (the training images, centre crops),
    /// gets the evaluation network ready (`prepareEvaluation`); with `test`, also the test accuracy
    /// (monitoring only).
    public func trainEpoch<Batches: Sequence>(_ batches: Batches, training: Tensor? = nil, test: LabeledImages? = nil) throws
        -> CNNEpochMetrics
    where Batches.Element == LabeledImages {
        stepInEpoch = 0
        optimizer.settings.lr = config.adam.lr * Float(config.learningRateSchedule.factor(epoch: completedEpochs + 1, of: config.epochs))
        var lossSum = 0.0, correct = 0, samples = 0, steps = 0
        for batch in batches {
            let r = try step(batch)
            lossSum += Double(r.loss)
            correct += r.correct
            samples += batch.labels.count
            steps += 1
        }
        guard steps > 0 else { throw TrainingError.emptyEpoch(epoch: completedEpochs + 1) }
        completedEpochs += 1
        if let training { prepareEvaluation(training: training) }
        return CNNEpochMetrics(epoch: completedEpochs, steps: steps, loss: lossSum / Double(steps),
                               trainAccuracy: Double(correct) / Double(samples),
                               testAccuracy: test.map { accuracy(predict($0.images), labels: $0.labels) })
    }

    /// Predictions with class probabilities, eval mode, in batches of `config.batchSize`.
    public func predict(_ humans: Tensor) -> [Prediction] {
        let n = humans.shape[0]
        var out: [Prediction] = []
        for start in stride(from: 0, to: n, by: config.batchSize) {
            let logits = evaluationNetwork.forward(rows(humans, start..<min(n, start + config.batchSize)), mode: .eval)
            out += softmax(logits).map { Prediction(probabilities: $0.map { Float($0) }) }
        }
        return out
    }
}
