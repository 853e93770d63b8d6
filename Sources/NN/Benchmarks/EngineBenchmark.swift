// `exp bench engine`: GFLOP/s of the HA-GAN conv and conv-transpose layers (forward and backward)
// beside raw sgemm on the same GEMM shapes in the same run, for both GEMM strategies, and memory
// over repeated training steps.
//
// Layer shapes are the default architecture (top of shared/bench/hagan_torch.py): generator encoder
// 4x conv 4x4 s2 p1 (32, 64, 128, 256), decoder 4x conv-transpose 4x4 s2 p1 (128, 64, 32, C) with
// output padding mirroring the encoder, discriminator trunk 4x conv 4x4 s2 p1 (16, 32, 64, 128) on the
// channel-stacked pair. FLOPs count 2 per multiply-add of the GEMMs: one GEMM forward, two backward
// (weight gradient and input gradient).

public struct LayerShape: Sendable {
    public enum Kind: String, Sendable { case conv, convTranspose }
    public var name: String
    public var kind: Kind
    public var inChannels: Int, outChannels: Int
    /// Input height = width.
    public var inSize: Int
    public var outputPadding: Int

    /// The GEMMs (m, n, k, transA, transB) this layer runs per batch: forward, weight grad, input grad.
    public func gemms(batch: Int) -> (forward: GEMMShape, weight: GEMMShape, input: GEMMShape) {
        switch kind {
        case .conv:
            let out = (inSize + 2 - 4) / 2 + 1
            let k = inChannels * 16, cols = batch * out * out
            return (GEMMShape(m: outChannels, n: cols, k: k, transA: false, transB: false),
                    GEMMShape(m: outChannels, n: k, k: cols, transA: false, transB: true),
                    GEMMShape(m: k, n: cols, k: outChannels, transA: true, transB: false))
        case .convTranspose:
            let k = outChannels * 16, cols = batch * inSize * inSize
            return (GEMMShape(m: k, n: cols, k: inChannels, transA: true, transB: false),
                    GEMMShape(m: inChannels, n: k, k: cols, transA: false, transB: true),
                    GEMMShape(m: inChannels, n: cols, k: k, transA: false, transB: false))
        }
    }

    func makeLayer() -> Layer {
        switch kind {
        case .conv: return Conv2D(inChannels, outChannels, kernel: 4, stride: 2, padding: 1)
        case .convTranspose:
            return ConvTranspose2D(inChannels, outChannels, kernel: 4, stride: 2, padding: 1, outputPadding: outputPadding)
        }
    }
}

public struct GEMMShape: Sendable, CustomStringConvertible {
    public var m: Int, n: Int, k: Int, transA: Bool, transB: Bool
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    public var description: String { "\(m)x\(n)x\(k)" }
}

/// The conv and conv-transpose layers of HA-GAN for a square input of `size` and `channels`.
public func haganLayerShapes(size: Int, channels: Int) -> [LayerShape] {
    var sizes = [size]
    for _ in 0..<4 { sizes.append((sizes.last! + 2 - 4) / 2 + 1) }
    var out: [LayerShape] = []
    var c = channels
    for (i, oc) in [32, 64, 128, 256].enumerated() {
        out.append(LayerShape(name: "G.enc\(i)", kind: .conv, inChannels: c, outChannels: oc, inSize: sizes[i], outputPadding: 0))
        c = oc
    }
    let rev = Array(sizes.reversed())
    for (i, oc) in [128, 64, 32, channels].enumerated() {
        let op = rev[i + 1] - 2 * rev[i]
        out.append(LayerShape(name: "G.dec\(i)", kind: .convTranspose, inChannels: c, outChannels: oc, inSize: rev[i], outputPadding: op))
        c = oc
    }
    c = 2 * channels
    for (i, oc) in [16, 32, 64, 128].enumerated() {
        out.append(LayerShape(name: "D.conv\(i)", kind: .conv, inChannels: c, outChannels: oc, inSize: sizes[i], outputPadding: 0))
        c = oc
    }
    return out
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

/// Resident memory (MiB) after each of `steps` training steps of the HA-GAN discriminator-shaped
/// CNN (trunk + expression head) with Adam, at the given batch and size.
public func memoryOverTraining(steps: Int, batch: Int, size: Int, channels: Int) -> [Double] {
    var rng = SeededGenerator(seed: 2)
    var sizes = [size]
    for _ in 0..<4 { sizes.append((sizes.last! + 2 - 4) / 2 + 1) }
    let s = sizes.last!
    let net = Sequential([
        Conv2D(channels, 16, kernel: 4, stride: 2, padding: 1), LeakyReLU(),
        Conv2D(16, 32, kernel: 4, stride: 2, padding: 1), BatchNorm(32), LeakyReLU(),
        Conv2D(32, 64, kernel: 4, stride: 2, padding: 1), BatchNorm(64), LeakyReLU(),
        Conv2D(64, 128, kernel: 4, stride: 2, padding: 1), BatchNorm(128), LeakyReLU(),
        Flatten(), Linear(128 * s * s, 1024), LeakyReLU(),
        Linear(1024, 512), LeakyReLU(), Linear(512, 256), LeakyReLU(), Linear(256, 6),
    ])
    initialize(net, .dcgan, generator: &rng)
    let adam = Adam(net.parameters)
    var x = Tensor(zeros: [batch, channels, size, size])
    for i in 0..<x.count { x.scalars[i] = rng.normal() }
    let labels = (0..<batch).map { $0 % 6 }
    var rss: [Double] = []
    for _ in 0..<steps {
        zeroGrad(net.parameters)
        let (ce, _) = softmaxCrossEntropy(logits: net.forward(x, mode: .train), labels: labels)
        _ = net.backward(ce.gradient)
        adam.update()
        rss.append(Measure.residentMemoryMiB().current)
    }
    return rss
}

/// Seconds for one batch of im2col and of col2im on a conv layer's geometry (the copies around
/// the GEMMs), to show where a layer's time beyond sgemm goes.
public func benchmarkColumns(_ shape: LayerShape, batch: Int, minSeconds: Double = 0.2) -> (im2col: Double, col2im: Double) {
    let (c, size) = shape.kind == .conv ? (shape.inChannels, shape.inSize)
        : (shape.outChannels, (shape.inSize - 1) * 2 - 2 + 4 + shape.outputPadding)
    let g = ConvGeometry(channels: c, height: size, width: size, kernel: (4, 4), stride: (2, 2), padding: (1, 1))
    let image = c * size * size, cols = g.colCols * batch
    var x = [Float](repeating: 0.5, count: image * batch)
    var col = [Float](repeating: 0, count: g.colRows * cols)
    let a = Measure.median(minSeconds: minSeconds) {
        x.withUnsafeBufferPointer { px in
            col.withUnsafeMutableBufferPointer { pc in
                im2col(px.baseAddress!, count: batch, imageStride: image, g, into: pc.baseAddress!)
            }
        }
    }
    let b = Measure.median(minSeconds: minSeconds) {
        col.withUnsafeBufferPointer { pc in
            x.withUnsafeMutableBufferPointer { px in
                col2im(pc.baseAddress!, count: batch, imageStride: image, g, into: px.baseAddress!)
            }
        }
    }
    return (a, b)
}
