// The networks that predict at test time (`EvaluationNetworks`, a spec choice). `last` is the
// paper's reading: the trained networks with BatchNorm's running statistics. The other two are
// remedies for the epoch-to-epoch swing of HA-GAN's test accuracy on real faces (docs/fidelity.md):
// `recalibrated` recomputes the running statistics on the training images before each evaluation,
// as the networks see them at test time, instead of the exponential average over the augmented,
// partly generated training batches; `averaged` predicts with an exponential moving average of the
// weights over the training steps (as progressive GANs evaluate their generator), its statistics
// recomputed the same way.

import NN

/// An exponential moving average of parameters: after optimiser step t, shadow = d * shadow +
/// (1 - d) * live with d = min(decay, (1 + t) / (10 + t)), so early steps do not keep the
/// initial weights (TensorFlow's ExponentialMovingAverage with num_updates).
struct WeightAverage {
    let live: [Parameter]
    let shadow: [Parameter]
    let decay: Float

    /// `shadow` starts as a copy of `live`.
    init(live: [Parameter], shadow: [Parameter], decay: Float) {
        precondition(live.count == shadow.count && zip(live, shadow).allSatisfy { $0.value.shape == $1.value.shape },
                     "WeightAverage: the averaged network differs from the trained one")
        self.live = live
        self.shadow = shadow
        self.decay = decay
        for (l, s) in zip(live, shadow) { s.value = l.value }
    }

    /// Folds the live weights after optimiser step `step` (1-based) into the average.
    func update(step: Int) {
        let d = min(decay, Float(1 + step) / Float(10 + step))
        for (l, s) in zip(live, shadow) {
            l.value.scalars.withUnsafeBufferPointer { lb in
                s.value.scalars.withUnsafeMutableBufferPointer { sb in
                    for i in 0..<sb.count { sb[i] = d * sb[i] + (1 - d) * lb[i] }
                }
            }
        }
    }
}

/// `humans` [N, ...] cut into batches of about `size` for train-mode passes: a last batch of one
/// image (which batch normalisation cannot take) joins the one before it.
func calibrationBatches(_ humans: Tensor, size: Int) -> [Tensor] {
    let n = humans.shape[0]
    var starts = Array(stride(from: 0, to: n, by: max(2, size)))
    if starts.count > 1, n - starts.last! < 2 { starts.removeLast() }
    return starts.enumerated().map { i, start in
        rows(humans, start..<(i + 1 < starts.count ? starts[i + 1] : n))
    }
}

extension HAGANTrainer {
    /// The generator that predicts and draws sample grids: the weight average or the trained one.
    public var evaluationGenerator: Generator { averaged?.generator ?? generator }
    /// The discriminator whose D^e predicts: the weight average or the trained one.
    public var evaluationDiscriminator: Discriminator { averaged?.discriminator ?? discriminator }

    /// Gets the evaluation networks ready to predict, from the training images `humans` (centre
    /// crops of the training subjects): for `recalibrated` and `averaged`, G's BatchNorm statistics
    /// are recomputed on G(humans) in train mode, then D's on the test-time pairs (human,
    /// G(human) in eval mode), both with the test character and the (first) test z. Nothing for `last`.
    public func prepareEvaluation(training humans: Tensor) {
        guard config.evaluation != .last, humans.shape[0] >= 2 else { return }
        let g = evaluationGenerator, d = evaluationDiscriminator
        let z = testNoise()[0]
        let batches = calibrationBatches(humans, size: config.batchSize)
        recalibrate([g.encoder, g.decoder]) {
            for chunk in batches { _ = generate(chunk, identity: config.testCharacter, noise: z, mode: .train) }
        }
        recalibrate([d.trunk, d.realFake, d.expression]) {
            for chunk in batches {
                let generated = generate(chunk, identity: config.testCharacter, noise: z)
                _ = d.forward(discriminatorInput(chunk, generated), mode: .train)
            }
        }
    }
}

extension CNNTrainer {
    /// The network that predicts: the weight average or the trained one.
    public var evaluationNetwork: CNNBaseline { averaged ?? network }

    /// For `recalibrated` and `averaged`, recomputes the BatchNorm statistics of the evaluation
    /// network on the training images `humans` in train mode; nothing for `last`.
    public func prepareEvaluation(training humans: Tensor) {
        guard config.evaluation != .last, humans.shape[0] >= 2 else { return }
        let net = evaluationNetwork
        recalibrate([net.trunk, net.expression]) {
            for chunk in calibrationBatches(humans, size: config.batchSize) { _ = net.forward(chunk, mode: .train) }
        }
    }
}
