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

public final class BatchNorm: Layer {
    public let features: Int
    public let eps: Float, momentum: Float
    public let gamma: Parameter, beta: Parameter
    public let runningMean: Parameter, runningVar: Parameter

    private var xhat = Tensor(zeros: [0])
    private var istd = [Float]()
    private var lastMode = Mode.train

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
        let (n, c, s) = dims(x.shape)
        let m = n * s
        precondition(mode == .eval || m > 1, "BatchNorm in train mode needs more than one value per channel, got shape \(x.shape)")
        lastMode = mode
        xhat.resize(x.shape)
        if istd.count != c { istd = [Float](repeating: 0, count: c) }
        var y = Tensor(zeros: x.shape)
        x.scalars.withUnsafeBufferPointer { px in
            y.scalars.withUnsafeMutableBufferPointer { py in
                xhat.scalars.withUnsafeMutableBufferPointer { ph in
                    for ch in 0..<c {
                        var mean: Float, variance: Float
                        if mode == .train {
                            var sum = 0.0
                            for i in 0..<n { let p = px.baseAddress! + (i * c + ch) * s; for j in 0..<s { sum += Double(p[j]) } }
                            let mu = sum / Double(m)
                            var sq = 0.0
                            for i in 0..<n { let p = px.baseAddress! + (i * c + ch) * s; for j in 0..<s { let d = Double(p[j]) - mu; sq += d * d } }
                            mean = Float(mu)
                            variance = Float(sq / Double(m))
                            let unbiased = Float(sq / Double(m - 1))
                            runningMean.value.scalars[ch] = (1 - momentum) * runningMean.value.scalars[ch] + momentum * mean
                            runningVar.value.scalars[ch] = (1 - momentum) * runningVar.value.scalars[ch] + momentum * unbiased
                        } else {
                            mean = runningMean.value.scalars[ch]
                            variance = runningVar.value.scalars[ch]
                        }
                        let inv = 1 / (variance + eps).squareRoot()
                        istd[ch] = inv
                        let gm = gamma.value.scalars[ch], bt = beta.value.scalars[ch]
                        for i in 0..<n {
                            let o = (i * c + ch) * s
                            let xi = px.baseAddress! + o, yi = py.baseAddress! + o, hi = ph.baseAddress! + o
                            for j in 0..<s {
                                let h = (xi[j] - mean) * inv
                                hi[j] = h
                                yi[j] = gm * h + bt
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        precondition(dy.shape == xhat.shape, "BatchNorm.backward: dy \(dy.shape), input was \(xhat.shape)")
        let (n, c, s) = dims(dy.shape)
        let m = Float(n * s)
        var dx = Tensor(zeros: dy.shape)
        dy.scalars.withUnsafeBufferPointer { pdy in
            xhat.scalars.withUnsafeBufferPointer { ph in
                dx.scalars.withUnsafeMutableBufferPointer { pdx in
                    for ch in 0..<c {
                        var sumDy: Float = 0, sumDyH: Float = 0
                        for i in 0..<n {
                            let o = (i * c + ch) * s
                            let g = pdy.baseAddress! + o, h = ph.baseAddress! + o
                            for j in 0..<s { sumDy += g[j]; sumDyH += g[j] * h[j] }
                        }
                        if gamma.requiresGrad { gamma.grad.scalars[ch] += sumDyH }
                        if beta.requiresGrad { beta.grad.scalars[ch] += sumDy }
                        let gm = gamma.value.scalars[ch], inv = istd[ch]
                        for i in 0..<n {
                            let o = (i * c + ch) * s
                            let g = pdy.baseAddress! + o, h = ph.baseAddress! + o, d = pdx.baseAddress! + o
                            if lastMode == .train {
                                let k = gm * inv / m
                                for j in 0..<s { d[j] = k * (m * g[j] - sumDy - h[j] * sumDyH) }
                            } else {
                                let k = gm * inv
                                for j in 0..<s { d[j] = k * g[j] }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
