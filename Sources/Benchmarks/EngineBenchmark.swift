// `exp bench engine`: GFLOP/s of the HA-GAN conv and conv-transpose layers (forward and backward)
// beside raw sgemm on the same GEMM shapes in the same run, for each GEMM strategy, and memory
// over repeated training steps of the CNN baseline.
//
// The layers are read from the Models definitions: an HA-GAN is built for the image size and a
// one-image batch run through the generator's encoder and decoder and the discriminator's trunk,
// recording each Conv2D and ConvTranspose2D with the input size it sees. FLOPs count 2 per
// multiply-add of the GEMMs: one GEMM forward, two backward (weight gradient and input gradient).

import Models
import NN

/// A conv or conv-transpose layer of a model, benchmarked as a fresh layer of the same shape.
public struct LayerShape: Sendable {
    public enum Kind: String, Sendable { case conv, convTranspose }
    public var name: String
    public var kind: Kind
    public var inChannels: Int, outChannels: Int
    public var kernel: Int, stride: Int, padding: Int, outputPadding: Int
    /// Input height = width.
    public var inSize: Int

    /// The shape of `layer` on inputs [N, C, inSize, inSize]; nil for other layers.
    init?(_ layer: Layer, inSize: Int, name: String) {
        if let c = layer as? Conv2D {
            self.init(name: name, kind: .conv, inChannels: c.inChannels, outChannels: c.outChannels, kernel: c.kernel.0,
                      stride: c.stride.0, padding: c.padding.0, outputPadding: 0, inSize: inSize)
        } else if let c = layer as? ConvTranspose2D {
            self.init(name: name, kind: .convTranspose, inChannels: c.inChannels, outChannels: c.outChannels, kernel: c.kernel.0,
                      stride: c.stride.0, padding: c.padding.0, outputPadding: c.outputPadding.0, inSize: inSize)
        } else {
            return nil
        }
    }

    init(name: String, kind: Kind, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int,
         outputPadding: Int, inSize: Int) {
        (self.name, self.kind, self.inChannels, self.outChannels) = (name, kind, inChannels, outChannels)
        (self.kernel, self.stride, self.padding, self.outputPadding, self.inSize) = (kernel, stride, padding, outputPadding, inSize)
    }

    /// The im2col geometry: over the input (conv) or the output (conv-transpose).
    public var geometry: ConvGeometry {
        let (c, size) = kind == .conv ? (inChannels, inSize)
            : (outChannels, (inSize - 1) * stride - 2 * padding + kernel + outputPadding)
        return ConvGeometry(channels: c, height: size, width: size, kernel: (kernel, kernel), stride: (stride, stride),
                            padding: (padding, padding))
    }

    /// The GEMMs this layer runs per batch, as one whole-batch GEMM each: forward, weight gradient,
    /// input gradient. A conv-transpose runs a conv's input-gradient GEMM forward and its forward
    /// GEMM for the input gradient.
    public func gemms(batch: Int) -> (forward: GEMMShape, weight: GEMMShape, input: GEMMShape) {
        let g = geometry, k = g.colRows, cols = batch * g.colCols
        let m = kind == .conv ? outChannels : inChannels
        let wCol = GEMMShape(m: m, n: cols, k: k, transA: false, transB: false)       // W [M, K] x col
        let wTRows = GEMMShape(m: k, n: cols, k: m, transA: true, transB: false)      // W^T x rows [M, cols]
        let weight = GEMMShape(m: m, n: k, k: cols, transA: false, transB: true)
        return kind == .conv ? (wCol, weight, wTRows) : (wTRows, weight, wCol)
    }

    func makeLayer() -> Layer {
        switch kind {
        case .conv: return Conv2D(inChannels, outChannels, kernel: kernel, stride: stride, padding: padding)
        case .convTranspose:
            return ConvTranspose2D(inChannels, outChannels, kernel: kernel, stride: stride, padding: padding, outputPadding: outputPadding)
        }
    }
}

public struct GEMMShape: Sendable, CustomStringConvertible {
    public var m: Int, n: Int, k: Int, transA: Bool, transB: Bool
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    public var description: String { "\(m)x\(n)x\(k)" }
}

/// The conv and conv-transpose layers of the default HA-GAN (generator encoder and decoder,
/// discriminator trunk) for square images of `size` with `channels` (human and character alike).
public func haganLayerShapes(size: Int, channels: Int) throws -> [LayerShape] {
    var config = HAGANConfig()
    config.imageSize = size
    config.humanChannels = channels
    config.characterChannels = channels
    let model = try HAGANTrainer(config: config, random: SeededGenerator(seed: 0))
    let g = model.generator, d = model.discriminator
    return convLayers(g.encoder, input: [1, channels, size, size], prefix: "G.enc")
        + convLayers(g.decoder, input: [1, g.codeSize + g.identityCount + g.noiseSize], prefix: "G.dec")
        + convLayers(d.trunk, input: [1, d.inputChannels, size, size], prefix: "D.conv")
}

/// The conv layers of `network` in order, with the input size each sees on a one-image batch.
private func convLayers(_ network: Sequential, input: [Int], prefix: String) -> [LayerShape] {
    var x = Tensor(zeros: input), shapes: [LayerShape] = []
    for layer in network.layers {
        if x.rank == 4, let shape = LayerShape(layer, inSize: x.shape[2], name: "\(prefix)\(shapes.count)") { shapes.append(shape) }
        x = layer.forward(x, mode: .eval)
    }
    return shapes
}

public struct LayerTiming: Sendable {
    public var shape: LayerShape
    public var strategy: GEMMStrategy
    public var threads: Int
    public var forwardSeconds: Double, backwardSeconds: Double
    public var sgemmForwardSeconds: Double, sgemmBackwardSeconds: Double
    public var forwardFlops: Double, backwardFlops: Double

    public var forwardGFLOPS: Double { forwardFlops / forwardSeconds / 1e9 }
    public var backwardGFLOPS: Double { backwardFlops / backwardSeconds / 1e9 }
    public var sgemmForwardGFLOPS: Double { forwardFlops / sgemmForwardSeconds / 1e9 }
    public var sgemmBackwardGFLOPS: Double { backwardFlops / sgemmBackwardSeconds / 1e9 }
    /// Layer forward + backward speed as a fraction of raw sgemm on the same GEMMs.
    public var efficiency: Double { (sgemmForwardSeconds + sgemmBackwardSeconds) / (forwardSeconds + backwardSeconds) }
}

/// Times one layer's forward and backward and the raw sgemm calls of the same shapes.
public func benchmarkLayer(_ shape: LayerShape, batch: Int, strategy: GEMMStrategy, minSeconds: Double = 0.3) -> LayerTiming {
    var rng = SeededGenerator(seed: 1)
    let layer = shape.makeLayer()
    if let c = layer as? Conv2D { c.strategy = strategy }
    if let c = layer as? ConvTranspose2D { c.strategy = strategy }
    initialize(layer, .dcgan, generator: &rng)
    var x = Tensor(zeros: [batch, shape.inChannels, shape.inSize, shape.inSize])
    for i in 0..<x.count { x.scalars[i] = rng.normal() }
    var y = layer.forward(x, mode: .train)
    for i in 0..<y.count { y.scalars[i] = rng.normal() }
    let dy = y
    let fwd = Measure.median(minSeconds: minSeconds) { _ = layer.forward(x, mode: .train) }
    _ = layer.forward(x, mode: .train)
    let bwd = Measure.median(minSeconds: minSeconds) { _ = layer.backward(dy) }

    let g = shape.gemms(batch: batch)
    func buffers(_ s: GEMMShape) -> ([Float], [Float], [Float]) {
        ([Float](repeating: 0.01, count: s.m * s.k), [Float](repeating: 0.02, count: s.k * s.n), [Float](repeating: 0, count: s.m * s.n))
    }
    func run(_ s: GEMMShape, _ a: [Float], _ b: [Float], _ c: inout [Float], beta: Float) {
        BLAS.sgemm(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, a, b, beta: beta, &c)
    }
    var (fa, fb, fc) = buffers(g.forward)
    var (wa, wb, wc) = buffers(g.weight)
    var (ia, ib, ic) = buffers(g.input)
    let sf = Measure.median(minSeconds: minSeconds) { run(g.forward, fa, fb, &fc, beta: 0) }
    let sb = Measure.median(minSeconds: minSeconds) {
        run(g.weight, wa, wb, &wc, beta: 1)
        run(g.input, ia, ib, &ic, beta: 0)
    }
    _ = (fa, fb, wa, wb, ia, ib)
    fa = []; wa = []; ia = []
    return LayerTiming(shape: shape, strategy: strategy, threads: BLAS.threadCount,
                       forwardSeconds: fwd, backwardSeconds: bwd, sgemmForwardSeconds: sf, sgemmBackwardSeconds: sb,
                       forwardFlops: g.forward.flops, backwardFlops: g.weight.flops + g.input.flops)
}

/// Resident memory (MiB) after each of `steps` training steps (Adam) of the CNN baseline, at the
/// given batch and size.
public func memoryOverTraining(steps: Int, batch: Int, size: Int, channels: Int) throws -> [Double] {
    let bench = try TrainingBenchmark.cnnTraining(size: size, channels: channels, batch: batch, strategy: .default)
    return (0..<steps).map { _ in
        bench.step()
        return Measure.residentMemoryMiB().current
    }
}

/// Seconds for one batch of im2col and of col2im on a conv layer's geometry (the copies around
/// the GEMMs), to show where a layer's time beyond sgemm goes. They run in the `automatic`
/// strategy's blocks of images, each into the same column buffer, as a training step runs them.
public func benchmarkColumns(_ shape: LayerShape, batch: Int, minSeconds: Double = 0.2) -> (im2col: Double, col2im: Double) {
    let g = shape.geometry
    let image = g.channels * g.height * g.width
    let group = GEMMStrategy.automatic.imagesPerBlock(columnsPerImage: g.colCols, batch: batch)
    let blocks = stride(from: 0, to: batch, by: group).map { $0..<min(batch, $0 + group) }
    var x = [Float](repeating: 0.5, count: image * batch)
    var col = [Float](repeating: 0, count: g.colRows * g.colCols * group)
    let a = Measure.median(minSeconds: minSeconds) {
        x.withUnsafeBufferPointer { px in
            col.withUnsafeMutableBufferPointer { pc in
                for b in blocks {
                    im2col(px.baseAddress! + b.lowerBound * image, count: b.count, imageStride: image, g, into: pc.baseAddress!)
                }
            }
        }
    }
    let b = Measure.median(minSeconds: minSeconds) {
        col.withUnsafeBufferPointer { pc in
            x.withUnsafeMutableBufferPointer { px in
                for b in blocks {
                    col2im(pc.baseAddress!, count: b.count, imageStride: image, g, into: px.baseAddress! + b.lowerBound * image)
                }
            }
        }
    }
    return (a, b)
}
