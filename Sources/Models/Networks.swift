// The three networks (sections 3.1.1, 3.1.2 and the CNN baseline), as the reference architecture at
// the top of shared/bench/hagan_torch.py:
//
//   G encoder: 4x [Conv 4x4 s2 p1 -> BatchNorm -> LeakyReLU] (32, 64, 128, 256), flatten, Linear -> code
//   G decoder: Linear [code, one-hot Id_AN, z] -> 256 x s x s, 3x [ConvTranspose 4x4 s2 p1 -> BatchNorm
//              -> ReLU] (128, 64, 32), ConvTranspose 4x4 s2 p1 -> character channels, tanh; output
//              padding makes the decoder's sizes mirror the encoder's (4 -> 9 -> 18 -> 37 -> 75).
//   D trunk:   4x [Conv 4x4 s2 p1 (16, 32, 64, 128) -> BatchNorm on blocks 2..4 -> LeakyReLU],
//              flatten, Linear -> 1024, LeakyReLU
//   D^R:       Linear 1024 -> 512, LeakyReLU, Linear 512 -> 1 (logit)
//   D^e:       Linear 1024 -> 512, LeakyReLU, Linear 512 -> 256, LeakyReLU, Linear 256 -> classes
//   CNN:       D's trunk on the human image alone + D^e.

import NN

/// Spatial sizes through the four stride-2 blocks: 75 -> [75, 37, 18, 9, 4], 64 -> [64, 32, 16, 8, 4].
public func downsampledSizes(_ size: Int) -> [Int] {
    var sizes = [size]
    for _ in 0..<4 { sizes.append((sizes.last! + 2 - 4) / 2 + 1) }
    return sizes
}

/// The generator G(I_HE, Id_AN, z) of section 3.1.1.
public final class Generator {
    public let imageSize: Int, outputChannels: Int
    public let codeSize: Int, identityCount: Int, noiseSize: Int
    /// G_E: human image [N, C, S, S] -> expression code [N, codeSize].
    public let encoder: Sequential
    /// G_D: [code, one-hot identity, z] -> character image [N, outputChannels, S, S] in (-1, 1).
    public let decoder: Sequential

    /// `namePrefix` goes before every parameter name ("average." for a trainer's weight average).
    public init(imageSize: Int, inputChannels: Int, outputChannels: Int, codeSize: Int, identityCount: Int,
                noiseSize: Int, leakySlope: Float, namePrefix: String = "") {
        let sizes = downsampledSizes(imageSize)
        let s = sizes[4]
        precondition(s >= 1, "Generator: image size \(imageSize) is too small for four stride-2 blocks")
        self.imageSize = imageSize
        self.outputChannels = outputChannels
        self.codeSize = codeSize
        self.identityCount = identityCount
        self.noiseSize = noiseSize

        var encoderLayers: [Layer] = []
        var c = inputChannels
        for out in [32, 64, 128, 256] {
            encoderLayers += [Conv2D(c, out, kernel: 4, stride: 2, padding: 1), BatchNorm(out), LeakyReLU(slope: leakySlope)]
            c = out
        }
        // The input gradient of the first convolution (w.r.t. the human image) is never needed.
        (encoderLayers[0] as! Conv2D).needsInputGradient = false
        encoderLayers += [Flatten(), Linear(256 * s * s, codeSize)]
        encoder = Sequential(encoderLayers)

        var decoderLayers: [Layer] = [Linear(codeSize + identityCount + noiseSize, 256 * s * s), Reshape([256, s, s])]
        c = 256
        let mirrored = Array(sizes.reversed())
        for (i, out) in [128, 64, 32, outputChannels].enumerated() {
            let outputPadding = mirrored[i + 1] - 2 * mirrored[i]
            decoderLayers.append(ConvTranspose2D(c, out, kernel: 4, stride: 2, padding: 1, outputPadding: outputPadding))
            decoderLayers += i < 3 ? [BatchNorm(out), ReLU()] : [Tanh()]
            c = out
        }
        decoder = Sequential(decoderLayers)
        encoder.assignNames(prefix: namePrefix + "generator.encoder")
        decoder.assignNames(prefix: namePrefix + "generator.decoder")
    }

    public var parameters: [Parameter] { encoder.parameters + decoder.parameters }
    public var buffers: [Parameter] { encoder.buffers + decoder.buffers }

    /// G(I_HE, Id_AN, z): human images [N, C, S, S], one-hot identities [N, identityCount], noise
    /// [N, noiseSize] -> character images [N, outputChannels, S, S].
    public func forward(_ humans: Tensor, identities: Tensor, noise: Tensor, mode: Mode) -> Tensor {
        precondition(humans.rank == 4 && humans.shape[2] == imageSize && humans.shape[3] == imageSize,
                     "Generator expects [N, C, \(imageSize), \(imageSize)] images, got \(humans.shape)")
        let n = humans.shape[0]
        precondition(identities.shape == [n, identityCount] && noise.shape == [n, noiseSize],
                     "Generator: identities \(identities.shape) and noise \(noise.shape) for \(n) images; expected [\(n), \(identityCount)] and [\(n), \(noiseSize)]")
        let code = encoder.forward(humans, mode: mode)
        return decoder.forward(concat([code, identities, noise]), mode: mode)
    }

    /// Accumulates parameter gradients from dLoss/dImage of the last `forward` (the inputs get none).
    public func backward(_ dImages: Tensor) {
        let dInput = decoder.backward(dImages)
        let dCode = split(dInput, sizes: [codeSize, identityCount, noiseSize])[0]
        _ = encoder.backward(dCode)
    }
}

/// The trunk shared by D^R and D^e, and by the CNN baseline.
func discriminatorTrunk(inputChannels: Int, imageSize: Int, leakySlope: Float) -> Sequential {
    let s = downsampledSizes(imageSize)[4]
    var layers: [Layer] = []
    var c = inputChannels
    for (i, out) in [16, 32, 64, 128].enumerated() {
        layers.append(Conv2D(c, out, kernel: 4, stride: 2, padding: 1))
        if i > 0 { layers.append(BatchNorm(out)) }
        layers.append(LeakyReLU(slope: leakySlope))
        c = out
    }
    layers += [Flatten(), Linear(128 * s * s, 1024), LeakyReLU(slope: leakySlope)]
    return Sequential(layers)
}

/// The D^e branch: two hidden FC layers, then the class logits.
func expressionHead(classes: Int, leakySlope: Float) -> Sequential {
    Sequential([Linear(1024, 512), LeakyReLU(slope: leakySlope), Linear(512, 256), LeakyReLU(slope: leakySlope), Linear(256, classes)])
}

/// The two-headed discriminator D = [D^e, D^R] of section 3.1.2.
public final class Discriminator {
    public let inputChannels: Int, imageSize: Int
    public let trunk: Sequential
    /// D^R: real/fake logit.
    public let realFake: Sequential
    /// D^e: expression logits.
    public let expression: Sequential

    /// `namePrefix` goes before every parameter name ("average." for a trainer's weight average).
    public init(inputChannels: Int, imageSize: Int, expressionCount: Int, leakySlope: Float, namePrefix: String = "") {
        self.inputChannels = inputChannels
        self.imageSize = imageSize
        trunk = discriminatorTrunk(inputChannels: inputChannels, imageSize: imageSize, leakySlope: leakySlope)
        realFake = Sequential([Linear(1024, 512), LeakyReLU(slope: leakySlope), Linear(512, 1)])
        expression = expressionHead(classes: expressionCount, leakySlope: leakySlope)
        trunk.assignNames(prefix: namePrefix + "discriminator.trunk")
        realFake.assignNames(prefix: namePrefix + "discriminator.realFake")
        expression.assignNames(prefix: namePrefix + "discriminator.expression")
    }

    public var parameters: [Parameter] { trunk.parameters + realFake.parameters + expression.parameters }
    public var buffers: [Parameter] { trunk.buffers + realFake.buffers + expression.buffers }

    /// Both heads on an input [N, inputChannels, S, S]: real/fake logits [N, 1], expression logits [N, K].
    public func forward(_ input: Tensor, mode: Mode) -> (realFake: Tensor, expression: Tensor) {
        precondition(input.rank == 4 && input.shape[1] == inputChannels && input.shape[2] == imageSize && input.shape[3] == imageSize,
                     "Discriminator expects [N, \(inputChannels), \(imageSize), \(imageSize)], got \(input.shape)")
        let h = trunk.forward(input, mode: mode)
        return (realFake.forward(h, mode: mode), expression.forward(h, mode: mode))
    }

    /// D^e alone (test time, section 4: D^R is discarded).
    public func expressionLogits(_ input: Tensor, mode: Mode) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inputChannels,
                     "Discriminator expects [N, \(inputChannels), \(imageSize), \(imageSize)], got \(input.shape)")
        return expression.forward(trunk.forward(input, mode: mode), mode: mode)
    }

    /// Accumulates parameter gradients from the heads' output gradients of the last `forward`; returns
    /// dLoss/dInput when `inputGradient` is true, else an empty tensor (saves the first layer's col2im).
    @discardableResult
    public func backward(realFake dRealFake: Tensor, expression dExpression: Tensor, inputGradient: Bool) -> Tensor {
        var dh = realFake.backward(dRealFake)
        dh.add(expression.backward(dExpression))
        (trunk.layers[0] as! Conv2D).needsInputGradient = inputGradient
        return trunk.backward(dh)
    }
}

/// The CNN baseline: D's trunk and expression branch on the human image alone.
public final class CNNBaseline {
    public let inputChannels: Int, imageSize: Int
    public let trunk: Sequential
    public let expression: Sequential

    /// `namePrefix` goes before every parameter name ("average." for a trainer's weight average).
    public init(inputChannels: Int, imageSize: Int, expressionCount: Int, leakySlope: Float, namePrefix: String = "") {
        self.inputChannels = inputChannels
        self.imageSize = imageSize
        trunk = discriminatorTrunk(inputChannels: inputChannels, imageSize: imageSize, leakySlope: leakySlope)
        (trunk.layers[0] as! Conv2D).needsInputGradient = false
        expression = expressionHead(classes: expressionCount, leakySlope: leakySlope)
        trunk.assignNames(prefix: namePrefix + "cnn.trunk")
        expression.assignNames(prefix: namePrefix + "cnn.expression")
    }

    public var parameters: [Parameter] { trunk.parameters + expression.parameters }
    public var buffers: [Parameter] { trunk.buffers + expression.buffers }

    /// Expression logits [N, K] for human images [N, C, S, S].
    public func forward(_ humans: Tensor, mode: Mode) -> Tensor {
        precondition(humans.rank == 4 && humans.shape[1] == inputChannels && humans.shape[2] == imageSize && humans.shape[3] == imageSize,
                     "CNN baseline expects [N, \(inputChannels), \(imageSize), \(imageSize)], got \(humans.shape)")
        return expression.forward(trunk.forward(humans, mode: mode), mode: mode)
    }

    /// Accumulates parameter gradients from dLoss/dLogits of the last `forward`.
    public func backward(_ dLogits: Tensor) {
        _ = trunk.backward(expression.backward(dLogits))
    }
}

/// Sets how every convolution and transposed convolution under `layers` maps its batch onto GEMMs
/// (a speed choice: `exp bench train --strategy` compares them).
public func setGEMMStrategy(_ strategy: GEMMStrategy, in layers: [Sequential]) {
    for sequential in layers {
        for layer in sequential.layers {
            (layer as? Conv2D)?.strategy = strategy
            (layer as? ConvTranspose2D)?.strategy = strategy
        }
    }
}
