// Weight initialisation. DCGAN (Radford et al. 2016): conv and linear weights ~ N(0, 0.02), biases 0,
// BatchNorm gamma ~ N(1, 0.02). Kaiming (He et al. 2015): N(0, gain / sqrt(fan_in)) with the
// LeakyReLU gain sqrt(2 / (1 + slope^2)), biases 0, BatchNorm gamma 1.

/// A weight initialisation scheme.
public enum InitScheme: Sendable {
    case dcgan, kaiming
}

/// Initialises every Conv2D, ConvTranspose2D, Linear and BatchNorm under `layer`, drawing from
/// `generator` in parameter order.
public func initialize(_ layer: Layer, _ scheme: InitScheme, slope: Float = 0.2, generator: inout SeededGenerator) {
    let layers: [Layer] = (layer as? Sequential)?.layers ?? [layer]
    for l in layers {
        if let s = l as? Sequential {
            initialize(s, scheme, slope: slope, generator: &generator)
            continue
        }
        switch l {
        case let c as Conv2D:
            fill(c.weight, scheme, fanIn: c.inChannels * c.kernel.0 * c.kernel.1, slope: slope, &generator)
            c.bias?.value.zero()
        case let c as ConvTranspose2D:
            // Fan-in of a transposed convolution: each output sees C_in * KH * KW / stride^2 inputs.
            let fanIn = max(1, c.inChannels * c.kernel.0 * c.kernel.1 / (c.stride.0 * c.stride.1))
            fill(c.weight, scheme, fanIn: fanIn, slope: slope, &generator)
            c.bias?.value.zero()
        case let f as Linear:
            fill(f.weight, scheme, fanIn: f.inFeatures, slope: slope, &generator)
            f.bias?.value.zero()
        case let b as BatchNorm:
            for i in 0..<b.features {
                b.gamma.value.scalars[i] = scheme == .dcgan ? generator.normal(mean: 1, std: 0.02) : 1
            }
            b.beta.value.zero()
        default:
            break
        }
    }
}

private func fill(_ p: Parameter, _ scheme: InitScheme, fanIn: Int, slope: Float, _ g: inout SeededGenerator) {
    let std: Float
    switch scheme {
    case .dcgan: std = 0.02
    case .kaiming: std = (2 / (1 + slope * slope)).squareRoot() / Float(fanIn).squareRoot()
    }
    for i in 0..<p.value.count { p.value.scalars[i] = g.normal(mean: 0, std: std) }
}
