// The choices of a spec's models: the architecture and the settings the paper leaves open.

public enum ModelKind: String, SpecChoice {
    /// The baseline: the discriminator's trunk and expression branch on human images (section 4).
    case cnn
    /// HA-GAN (section 3).
    case hagan
}

/// The distribution of the noise vector z (section 3.1.1 does not say which).
public enum NoiseDistribution: String, SpecChoice {
    /// Uniform in [-1, 1), as in the original DCGAN code.
    case uniform
    /// Standard normal, as the reference implementation (`torch.randn`).
    case normal
}

/// What the discriminator sees (section 3.1.2 stacks the pair; the other option is an ablation).
public enum DiscriminatorInput: String, SpecChoice {
    /// The human image and the character image stacked on channels: D(I_HE, I_A).
    case pair
    /// The character image alone: D(I_A).
    case character
}

/// The z used at test time. Section 4 tests on generated pairs without saying which z; the
/// choice is ours and every option is named in the report.
public enum TestNoise: String, SpecChoice {
    /// z = 0, the mean of the noise distribution: deterministic and independent of any seed.
    case zero
    /// One draw from the job's "test-noise" stream, the same for every test image.
    case fixed
    /// D^e's class probabilities averaged over `testNoiseDraws` fixed draws of that stream.
    case average
}

/// Weight initialisation. DCGAN (Radford et al. 2016): conv and linear weights ~ N(0, 0.02),
/// biases 0, BatchNorm gamma ~ N(1, 0.02). Kaiming (He et al. 2015): N(0, gain / sqrt(fan_in))
/// with the LeakyReLU gain sqrt(2 / (1 + slope^2)), biases 0, BatchNorm gamma 1.
public enum Initialization: String, SpecChoice {
    case dcgan, kaiming
}

/// The networks that make the test-time prediction (section 4 tests "the trained" networks in
/// eval mode and says no more). Not the paper's: `recalibrated` and `averaged` are remedies for the
/// epoch-to-epoch swing of HA-GAN's test accuracy, and the report names them when used.
public enum EvaluationNetworks: String, SpecChoice {
    /// The last weights with BatchNorm's running statistics, as trained (the paper's reading).
    case last
    /// The last weights, BatchNorm statistics recomputed on the training images before each
    /// evaluation (the pairs D sees at test time: human image and generated character).
    case recalibrated
    /// An exponential moving average of the weights over the training steps (`averageDecay`), its
    /// BatchNorm statistics recomputed on the training images before each evaluation.
    case averaged
}

/// The learning rate over the epochs. Section 5.1 gives 0.0002 and no schedule.
public enum LearningRateSchedule: String, SpecChoice {
    /// The same rate throughout (the paper's reading).
    case constant
    /// Constant for the first half of the epochs, then decayed linearly towards zero (pix2pix, the
    /// paper's reference [30] for its L1 term).
    case linearDecay

    /// The factor on the base rate for epoch `epoch` (1-based) of `epochs`: 1 through epoch
    /// ceil(epochs / 2), then 1 - (epoch - half) / (epochs - half + 1), so the last epoch keeps a
    /// small positive rate.
    public func factor(epoch: Int, of epochs: Int) -> Double {
        guard self == .linearDecay else { return 1 }
        let half = (epochs + 1) / 2
        return 1 - Double(max(0, epoch - half)) / Double(epochs - half + 1)
    }
}
