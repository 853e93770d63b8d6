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

public final class BatchNorm: Layer {
    public let features: Int
    public let eps: Float, momentum: Float
    public let gamma: Parameter, beta: Parameter
    public let runningMean: Parameter, runningVar: Parameter

    private var xhat = Tensor(zeros: [0])
    private var istd = [Float]()
    private var lastMode = Mode.train
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
        StepProfile.measure(.batchNorm) { normalize(x, mode: mode) }
    }

    public func backward(_ dy: Tensor) -> Tensor {
        StepProfile.measure(.batchNorm) { backpropagate(dy) }
    }

    private func normalize(_ x: Tensor, mode: Mode) -> Tensor {
        let (n, c, s) = dims(x.shape)
        let m = n * s
        precondition(mode == .eval || m > 1, "BatchNorm in train mode needs more than one value per channel, got shape \(x.shape)")
        lastMode = mode
        xhat.resize(x.shape)
        var mean = runningMean.value.scalars, variance = runningVar.value.scalars
        if mode == .train {
            var unbiased = [Float](repeating: 0, count: c)
            x.scalars.withUnsafeBufferPointer { px in
                mean.withUnsafeMutableBufferPointer { pm in
                    variance.withUnsafeMutableBufferPointer { pv in
                        unbiased.withUnsafeMutableBufferPointer { pu in
                            let xb = px.baseAddress!, mb = pm.baseAddress!, vb = pv.baseAddress!, ub = pu.baseAddress!
                            Parallel.forRanges(c, grain: max(1, 16384 / max(m, 1))) { channels in
                                for ch in channels {
                                    var sum = 0.0
                                    for i in 0..<n { let p = xb + (i * c + ch) * s; for j in 0..<s { sum += Double(p[j]) } }
                                    let mu = sum / Double(m)
                                    var sq = 0.0
                                    for i in 0..<n { let p = xb + (i * c + ch) * s; for j in 0..<s { let d = Double(p[j]) - mu; sq += d * d } }
                                    mb[ch] = Float(mu)
                                    vb[ch] = Float(sq / Double(m))
                                    ub[ch] = Float(sq / Double(m - 1))
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
        var y = Tensor(uninitialized: x.shape)
        x.scalars.withUnsafeBufferPointer { px in
            y.scalars.withUnsafeMutableBufferPointer { py in
                xhat.scalars.withUnsafeMutableBufferPointer { ph in
                    gamma.value.scalars.withUnsafeBufferPointer { pg in
                        beta.value.scalars.withUnsafeBufferPointer { pb in
                            istd.withUnsafeBufferPointer { pi in
                                let xb = px.baseAddress!, yb = py.baseAddress!, hb = ph.baseAddress!
                                Parallel.forRanges(c, grain: max(1, 16384 / max(m, 1))) { channels in
                                    for ch in channels {
                                        let mu = mean[ch], inv = pi[ch], gm = pg[ch], bt = pb[ch]
                                        for i in 0..<n {
                                            let o = (i * c + ch) * s
                                            let xi = xb + o, yi = yb + o, hi = hb + o
                                            for j in 0..<s {
                                                let h = (xi[j] - mu) * inv
                                                hi[j] = h
                                                yi[j] = gm * h + bt
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    private func backpropagate(_ dy: Tensor) -> Tensor {
        precondition(dy.shape == xhat.shape, "BatchNorm.backward: dy \(dy.shape), input was \(xhat.shape)")
        let (n, c, s) = dims(dy.shape)
        let m = Float(n * s)
        var dx = Tensor(uninitialized: dy.shape)
        var sumDy = [Float](repeating: 0, count: c), sumDyH = [Float](repeating: 0, count: c)
        let train = lastMode == .train
        dy.scalars.withUnsafeBufferPointer { pdy in
            xhat.scalars.withUnsafeBufferPointer { ph in
                dx.scalars.withUnsafeMutableBufferPointer { pdx in
                    gamma.value.scalars.withUnsafeBufferPointer { pg in
                        istd.withUnsafeBufferPointer { pi in
                            sumDy.withUnsafeMutableBufferPointer { psd in
                                sumDyH.withUnsafeMutableBufferPointer { psh in
                                    let gb = pdy.baseAddress!, hb = ph.baseAddress!, db = pdx.baseAddress!
                                    let sdb = psd.baseAddress!, shb = psh.baseAddress!
                                    Parallel.forRanges(c, grain: max(1, 16384 / max(n * s, 1))) { channels in
                                        for ch in channels {
                                            var sd: Float = 0, sh: Float = 0
                                            for i in 0..<n {
                                                let o = (i * c + ch) * s
                                                let g = gb + o, h = hb + o
                                                for j in 0..<s { sd += g[j]; sh += g[j] * h[j] }
                                            }
                                            sdb[ch] = sd
                                            shb[ch] = sh
                                            let k = train ? pg[ch] * pi[ch] / m : pg[ch] * pi[ch]
                                            for i in 0..<n {
                                                let o = (i * c + ch) * s
                                                let g = gb + o, h = hb + o, d = db + o
                                                if train {
                                                    for j in 0..<s { d[j] = k * (m * g[j] - sd - h[j] * sh) }
                                                } else {
                                                    for j in 0..<s { d[j] = k * g[j] }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if gamma.requiresGrad { for ch in 0..<c { gamma.grad.scalars[ch] += sumDyH[ch] } }
        if beta.requiresGrad { for ch in 0..<c { beta.grad.scalars[ch] += sumDy[ch] } }
        return dx
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
