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
