// Batch normalisation (Ioffe and Szegedy 2015) for conv maps [N, C, H, W] (per channel over N, H, W)
// and for vectors [N, C] (per feature over N). PyTorch conventions: eps 1e-5, momentum 0.1, running
// variance updated with the unbiased batch variance, normalisation with the biased one.
//
//   M = N * H * W values per channel; xhat = (x - mean) * istd, istd = 1 / sqrt(var + eps)
//   y = gamma * xhat + beta
//   train backward: dxhat = dy * gamma
//     dx = istd / M * (M * dxhat - sum(dxhat) - xhat * sum(dxhat * xhat))
//     dgamma += sum(dy * xhat);  dbeta += sum(dy)
//   eval: mean and var are the running statistics and dx = dy * gamma * istd
//
// Running statistics are an exponential average (momentum) while training. `recalibrate` can
// instead recompute them as the plain average over the train-mode batches it runs, as PyTorch's
// momentum=None does (used to re-estimate them on the training images before evaluation).
//
// A ReLU or LeakyReLU right after a BatchNorm runs inside it (`forward(_:mode:then:)`, used by
// `Sequential`): one pass writes act(y), and backward recomputes xhat and y from the kept input,
// so neither is stored and the rectifier costs no pass of its own. The per-channel loops of the
// forward and backward passes are C (`Sources/CKernels/batchnorm_kernels.c`, the same bits as the
// Swift loops they replaced); the batch statistics stay here.

import CKernels

public final class BatchNorm: Layer {
    public let features: Int
    public let eps: Float, momentum: Float
    public let gamma: Parameter, beta: Parameter
    public let runningMean: Parameter, runningVar: Parameter

    /// The last forward pass's input, batch (or running) mean and inverse deviation: backward
    /// recomputes xhat from them rather than keeping a tensor of it.
    private var input = Tensor(zeros: [0])
    private var mean = [Float]()
    private var istd = [Float]()
    private var lastMode = Mode.train
    /// The rectifier the last forward pass applied after normalising (see `forward(_:mode:then:)`).
    private var rectifier: Rectifier?
    /// Train-mode batches averaged so far while recalibrating; nil: exponential average (momentum).
    fileprivate var cumulativeBatches: Int?

    public init(_ features: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
        precondition(features > 0, "BatchNorm(\(features))")
        self.features = features
        self.eps = eps
        self.momentum = momentum
        gamma = Parameter("weight", Tensor(repeating: 1, shape: [features]))
        beta = Parameter("bias", Tensor(zeros: [features]))
        runningMean = Parameter("running_mean", Tensor(zeros: [features]), trainable: false)
        runningVar = Parameter("running_var", Tensor(repeating: 1, shape: [features]), trainable: false)
    }

    public var parameters: [Parameter] { [gamma, beta] }
    public var buffers: [Parameter] { [runningMean, runningVar] }

    /// (N, C, S) of the input: S = H * W for maps, 1 for vectors.
    private func dims(_ shape: [Int]) -> (Int, Int, Int) {
        precondition((shape.count == 4 || shape.count == 2) && shape[1] == features,
                     "BatchNorm(\(features)) expects [N, \(features)] or [N, \(features), H, W], got \(shape)")
        return (shape[0], shape[1], shape.count == 4 ? shape[2] * shape[3] : 1)
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        forward(x, mode: mode, then: nil)
    }

    /// BatchNorm, then `rectifier` (when given) on its output in the same pass: the values a
    /// separate ReLU or LeakyReLU layer would give, bit for bit, without a pass of its own.
    /// `backward` then goes back through both. `Sequential` fuses a BatchNorm with the rectifier
    /// after it this way.
    public func forward(_ x: Tensor, mode: Mode, then rectifier: Rectifier?) -> Tensor {
        StepProfile.measure(.batchNorm) { normalize(x, mode: mode, rectifier) }
    }

    public func backward(_ dy: Tensor) -> Tensor {
        StepProfile.measure(.batchNorm) { backpropagate(dy) }
    }

    private func statistics(_ x: Tensor, mode: Mode) {
        let (n, c, s) = dims(x.shape)
        let m = n * s
        mean = runningMean.value.scalars
        var variance = runningVar.value.scalars
        if mode == .train {
            var unbiased = [Float](repeating: 0, count: c)
            x.scalars.withUnsafeBufferPointer { px in
                mean.withUnsafeMutableBufferPointer { pm in
                    variance.withUnsafeMutableBufferPointer { pv in
                        unbiased.withUnsafeMutableBufferPointer { pu in
                            let xb = px.baseAddress!, mb = pm.baseAddress!, vb = pv.baseAddress!, ub = pu.baseAddress!
                            Parallel.forRanges(c, grain: max(1, 16384 / max(m, 1))) { channels in
                                for ch in channels {
                                    var sum = Lanes<Double>()
                                    for i in 0..<n { sum.add(xb + (i * c + ch) * s, count: s) { Double($0) } }
                                    let mu = sum.total / Double(m)
                                    var sq = Lanes<Double>()
                                    for i in 0..<n { sq.add(xb + (i * c + ch) * s, count: s) { let d = Double($0) - mu; return d * d } }
                                    let sqTotal = sq.total
                                    mb[ch] = Float(mu)
                                    vb[ch] = Float(sqTotal / Double(m))
                                    ub[ch] = Float(sqTotal / Double(m - 1))
                                }
                            }
                        }
                    }
                }
            }
            var factor = momentum
            if let k = cumulativeBatches {
                cumulativeBatches = k + 1
                factor = 1 / Float(k + 1)
            }
            for ch in 0..<c {
                runningMean.value.scalars[ch] = (1 - factor) * runningMean.value.scalars[ch] + factor * mean[ch]
                runningVar.value.scalars[ch] = (1 - factor) * runningVar.value.scalars[ch] + factor * unbiased[ch]
            }
        }
        istd = variance.map { 1 / ($0 + eps).squareRoot() }
    }

    /// Channel `ch` of a [N, C, S] tensor as the C kernels take it.
    private func channel(_ ch: Int, n: Int, c: Int, s: Int) -> exp_norm_channel {
        exp_norm_channel(count: n, length: s, stride: c * s, mean: mean[ch], istd: istd[ch],
                         gamma: gamma.value.scalars[ch], beta: beta.value.scalars[ch])
    }

    /// y = act(gamma * xhat + beta), xhat = (x - mean) * istd, per channel in C
    /// (`exp_batchnorm_forward_channel`).
    private func normalize(_ x: Tensor, mode: Mode, _ rectifier: Rectifier?) -> Tensor {
        let (n, c, s) = dims(x.shape)
        precondition(mode == .eval || n * s > 1, "BatchNorm in train mode needs more than one value per channel, got shape \(x.shape)")
        lastMode = mode
        self.rectifier = rectifier
        input = x
        statistics(x, mode: mode)
        let act = rectifier.kernelForm
        var y = Tensor(uninitialized: x.shape)
        x.scalars.withUnsafeBufferPointer { px in
            y.scalars.withUnsafeMutableBufferPointer { py in
                let xb = px.baseAddress!, yb = py.baseAddress!
                Parallel.forRanges(c, grain: max(1, 16384 / max(n * s, 1))) { channels in
                    for ch in channels {
                        exp_batchnorm_forward_channel(xb + ch * s, yb + ch * s, channel(ch, n: n, c: c, s: s), act)
                    }
                }
            }
        }
        return y
    }

    /// dL/dx from dL/d(output), through the rectifier (its slope at the recomputed output) and the
    /// normalisation, per channel in C (`exp_batchnorm_backward_channel`, formulas at the top).
    private func backpropagate(_ dOut: Tensor) -> Tensor {
        precondition(dOut.shape == input.shape, "BatchNorm.backward: dy \(dOut.shape), input was \(input.shape)")
        let (n, c, s) = dims(dOut.shape)
        var dx = Tensor(uninitialized: dOut.shape)
        // Per channel: sum of dxhat-before-gamma (dbeta) and of it times xhat (dgamma).
        var sums = [Float](repeating: 0, count: 2 * c)
        let train: Int32 = lastMode == .train ? 1 : 0, act = rectifier.kernelForm
        dOut.scalars.withUnsafeBufferPointer { pdy in
            input.scalars.withUnsafeBufferPointer { px in
                dx.scalars.withUnsafeMutableBufferPointer { pdx in
                    sums.withUnsafeMutableBufferPointer { psum in
                        let gb = pdy.baseAddress!, xb = px.baseAddress!, db = pdx.baseAddress!, sb = psum.baseAddress!
                        Parallel.forRanges(c, grain: max(1, 16384 / max(n * s, 1))) { channels in
                            for ch in channels {
                                exp_batchnorm_backward_channel(gb + ch * s, xb + ch * s, db + ch * s, channel(ch, n: n, c: c, s: s),
                                                               act, train, sb + 2 * ch)
                            }
                        }
                    }
                }
            }
        }
        if gamma.requiresGrad { for ch in 0..<c { gamma.grad.scalars[ch] += sums[2 * ch + 1] } }
        if beta.requiresGrad { for ch in 0..<c { beta.grad.scalars[ch] += sums[2 * ch] } }
        return dx
    }
}

/// A sum kept in four interleaved partial sums (term j goes to partial j mod 4 of its run, the
/// partials added at the end): four independent chains of additions instead of one, so that a sum
/// runs at the adder's throughput, not its latency. The order is fixed, so the bits are too.
struct Lanes<T: BinaryFloatingPoint> {
    private var a: T = 0, b: T = 0, c: T = 0, d: T = 0

    /// Adds term(values[j]) for j in 0..<count.
    @inline(__always)
    mutating func add(_ values: UnsafePointer<Float>, count: Int, _ term: (Float) -> T) {
        add(count) { term(values[$0]) }
    }

    /// Adds term(j) for j in 0..<count.
    @inline(__always)
    mutating func add(_ count: Int, _ term: (Int) -> T) {
        var j = 0
        while j + 4 <= count {
            a += term(j)
            b += term(j + 1)
            c += term(j + 2)
            d += term(j + 3)
            j += 4
        }
        while j < count { a += term(j); j += 1 }
    }

    var total: T { (a + b) + (c + d) }
}

/// A rectifier that a BatchNorm can apply in its own pass: ReLU, or LeakyReLU with its slope.
extension Optional where Wrapped == Rectifier {
    /// The rectifier as the C kernels take it (none when nil).
    var kernelForm: exp_rectifier {
        switch self {
        case nil: exp_rectifier(kind: 0, slope: 0)
        case .relu?: exp_rectifier(kind: 1, slope: 0)
        case .leaky(let a)?: exp_rectifier(kind: 2, slope: a)
        }
    }
}

public enum Rectifier: Equatable, Sendable {
    case relu
    case leaky(Float)

    /// The rectifier a layer computes, if it is one.
    public init?(_ layer: Layer) {
        if layer is ReLU { self = .relu } else if let l = layer as? LeakyReLU { self = .leaky(l.slope) } else { return nil }
    }
}

/// Every BatchNorm under `layers`, in order.
public func batchNorms(in layers: [Layer]) -> [BatchNorm] {
    layers.flatMap { layer -> [BatchNorm] in
        if let b = layer as? BatchNorm { return [b] }
        if let s = layer as? Sequential { return batchNorms(in: s.layers) }
        return []
    }
}

/// Re-estimates the running statistics of every BatchNorm under `layers` as the plain average of
/// the batch statistics of the train-mode forward passes `passes` runs (the previous running
/// statistics are discarded), then returns to the exponential average.
public func recalibrate(_ layers: [Layer], passes: () -> Void) {
    let norms = batchNorms(in: layers)
    for b in norms { b.cumulativeBatches = 0 }
    passes()
    for b in norms { b.cumulativeBatches = nil }
}
