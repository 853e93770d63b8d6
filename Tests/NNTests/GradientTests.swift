// Finite-difference checks of every kernel's input and parameter gradients, on small non-square
// shapes with stride 2, padding and output padding.

import Foundation
import NN
import NNTesting
import Testing

private func randomInput(_ shape: [Int], seed: UInt64 = 1, margin: Float = 0) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    let t = randomTensor(shape, &rng)
    return margin > 0 ? awayFromZero(t, margin: margin) : t
}

private func randomizeParameters(_ layer: Layer, seed: UInt64 = 3) {
    var rng = SeededGenerator(seed: seed)
    for p in layer.parameters { p.value = randomTensor(p.value.shape, &rng, scale: 0.5) }
}

@Test(arguments: GEMMStrategy.allCases)
func conv2DGradients(strategy: GEMMStrategy) {
    for (stride, padding, bias) in [(2, 1, true), (1, 0, false), (2, 2, true)] {
        let conv = Conv2D(3, 4, kernel: 3, stride: stride, padding: padding, bias: bias)
        conv.strategy = strategy
        randomizeParameters(conv)
        let bad = checkLayerGradients(conv, input: randomInput([3, 3, 5, 7]))
        #expect(bad.isEmpty, "stride \(stride) padding \(padding): \(bad.prefix(3))")
        // After an eval-mode forward pass too (a convolution does the same in both modes).
        let eval = checkLayerGradients(conv, input: randomInput([3, 3, 5, 7]), mode: .eval)
        #expect(eval.isEmpty, "eval, stride \(stride) padding \(padding): \(eval.prefix(3))")
    }
}

@Test(arguments: GEMMStrategy.allCases)
func convTranspose2DGradients(strategy: GEMMStrategy) {
    for (stride, padding, outPad) in [(2, 1, 1), (2, 1, 0), (1, 0, 0), (3, 1, 2)] {
        let deconv = ConvTranspose2D(3, 2, kernel: 4, stride: stride, padding: padding, outputPadding: outPad)
        deconv.strategy = strategy
        randomizeParameters(deconv)
        let bad = checkLayerGradients(deconv, input: randomInput([3, 3, 3, 4]))
        #expect(bad.isEmpty, "stride \(stride) padding \(padding) outPad \(outPad): \(bad.prefix(3))")
    }
}

@Test func linearGradients() {
    let fc = Linear(5, 3)
    randomizeParameters(fc)
    #expect(checkLayerGradients(fc, input: randomInput([4, 5])).isEmpty)
    // A conv map is flattened on the way in.
    let fc2 = Linear(2 * 3 * 2, 3, bias: false)
    randomizeParameters(fc2)
    #expect(checkLayerGradients(fc2, input: randomInput([3, 2, 3, 2])).isEmpty)
}

@Test func linearForwardMatchesNaiveProduct() {
    // The GEMM runs as y^T = W x^T, then is transposed: y must still be x W^T + b, for a batch of
    // one (inference) and of several, with and without bias.
    for (n, bias) in [(1, true), (5, true), (4, false)] {
        let fc = Linear(7, 3, bias: bias)
        randomizeParameters(fc)
        let x = randomInput([n, 7])
        let y = fc.forward(x, mode: .train)
        #expect(y.shape == [n, 3])
        for i in 0..<n {
            for o in 0..<3 {
                var sum: Float = fc.bias?.value.scalars[o] ?? 0
                for k in 0..<7 { sum += x.scalars[i * 7 + k] * fc.weight.value.scalars[o * 7 + k] }
                #expect(abs(y.scalars[i * 3 + o] - sum) < 1e-4, "n \(n), bias \(bias), [\(i), \(o)]")
            }
        }
    }
}

@Test func batchNormGradientsTrainAndEval() {
    for shape in [[3, 2, 3, 4], [5, 4]] {
        let bn = BatchNorm(shape[1])
        randomizeParameters(bn)
        let x = randomInput(shape)
        let train = checkLayerGradients(bn, input: x, mode: .train, eps: 1e-2, tolerance: 2e-2)
        #expect(train.isEmpty, "train \(shape): \(train.prefix(3))")
        let eval = checkLayerGradients(bn, input: x, mode: .eval)
        #expect(eval.isEmpty, "eval \(shape): \(eval.prefix(3))")
    }
}

@Test func fusedBatchNormAndRectifierGradients() {
    // Sequential runs a BatchNorm and the rectifier after it as one layer.
    for rectifier in [ReLU(), LeakyReLU(slope: 0.2)] as [Layer] {
        let bn = BatchNorm(2)
        randomizeParameters(bn)
        let net = Sequential([bn, rectifier])
        let x = randomInput([3, 2, 3, 4], seed: 9)
        // A small step: a larger one moves some normalised values across the rectifier's kink.
        let train = checkLayerGradients(net, input: x, mode: .train, eps: 1e-3, tolerance: 2e-2)
        #expect(train.isEmpty, "\(type(of: rectifier)) train: \(train.prefix(3))")
        let eval = checkLayerGradients(net, input: x, mode: .eval, eps: 1e-3, tolerance: 2e-2)
        #expect(eval.isEmpty, "\(type(of: rectifier)) eval: \(eval.prefix(3))")
    }
}

@Test func fusedBatchNormAndRectifierGiveTheBitsOfSeparateLayers() {
    for level in VectorKernels.Level.allCases where VectorKernels.use(level) == level {
        defer { VectorKernels.use(nil) }
        fusedAndSeparateBatchNormAgree()
    }
}

private func fusedAndSeparateBatchNormAgree() {
    for (mode, makeRectifier) in [(Mode.train, { ReLU() as Layer }), (.train, { LeakyReLU(slope: 0.2) }), (.eval, { LeakyReLU(slope: 0.2) })] {
        let fusedNorm = BatchNorm(3), separateNorm = BatchNorm(3)
        randomizeParameters(fusedNorm, seed: 4)
        randomizeParameters(separateNorm, seed: 4)
        let fused = Sequential([fusedNorm, makeRectifier()])
        let rectifier = makeRectifier()
        let x = randomInput([4, 3, 5, 6], seed: 2), dy = randomInput([4, 3, 5, 6], seed: 3)
        let y1 = fused.forward(x, mode: mode)
        let y2 = rectifier.forward(separateNorm.forward(x, mode: mode), mode: mode)
        #expect(y1.scalars == y2.scalars, "\(mode) forward")
        let dx1 = fused.backward(dy)
        let dx2 = separateNorm.backward(rectifier.backward(dy))
        #expect(dx1.scalars == dx2.scalars, "\(mode) backward")
        #expect(fusedNorm.gamma.grad.scalars == separateNorm.gamma.grad.scalars && fusedNorm.beta.grad.scalars == separateNorm.beta.grad.scalars)
        #expect(fusedNorm.runningMean.value.scalars == separateNorm.runningMean.value.scalars)
    }
}

@Test func batchNormKernelsMatchTheFormulasAtEveryLevel() {
    // Eval mode uses the running statistics, so the expected values follow from the parameters
    // alone: y = act(gamma * ((x - mean) * istd) + beta) and dx = gamma * istd * dy * act'(y),
    // bit for bit; dgamma and dbeta are sums (compared in Double), and so are train mode's batch
    // statistics. Runs of 37 values exercise the
    // vector loops and their tails; every instruction set the CPU has gives the same bits.
    var results: [[Float]] = []
    for level in VectorKernels.Level.allCases where VectorKernels.use(level) == level {
        defer { VectorKernels.use(nil) }
        var levelResults: [Float] = []
        for rectifier in [Rectifier?.none, .relu, .leaky(0.2)] {
            let bn = BatchNorm(3)
            randomizeParameters(bn, seed: 5)
            bn.runningVar.value = Tensor(shape: [3], scalars: [0.5, 1.5, 2.0])
            bn.runningMean.value = Tensor(shape: [3], scalars: [0.1, -0.2, 0.3])
            let x = randomInput([2, 3, 1, 37], seed: 6), dy = randomInput([2, 3, 1, 37], seed: 7)
            let y = bn.forward(x, mode: .eval, then: rectifier)
            let dx = bn.backward(dy)
            var dGamma = [Double](repeating: 0, count: 3), dBeta = [Double](repeating: 0, count: 3)
            for i in 0..<2 {
                for c in 0..<3 {
                    let mu = bn.runningMean.value.scalars[c], inv = 1 / (bn.runningVar.value.scalars[c] + bn.eps).squareRoot()
                    let gm = bn.gamma.value.scalars[c], bt = bn.beta.value.scalars[c]
                    for j in 0..<37 {
                        let at = (i * 3 + c) * 37
                        let h = (x.scalars[at + j] - mu) * inv, v = gm * h + bt
                        let (value, slope): (Float, Float) = switch rectifier {
                        case nil: (v, 1)
                        case .relu?: (v > 0 ? v : 0, v > 0 ? 1 : 0)
                        case .leaky(let a)?: (v > 0 ? v : a * v, v > 0 ? 1 : a)
                        }
                        #expect(y.scalars[at + j] == value, "\(level) \(String(describing: rectifier)) y[\(at + j)]")
                        let g = dy.scalars[at + j] * slope
                        #expect(dx.scalars[at + j] == gm * inv * g, "\(level) \(String(describing: rectifier)) dx[\(at + j)]")
                        dBeta[c] += Double(g)
                        dGamma[c] += Double(g) * Double(h)
                    }
                }
            }
            for c in 0..<3 {
                #expect(abs(Double(bn.beta.grad.scalars[c]) - dBeta[c]) < 1e-4)
                #expect(abs(Double(bn.gamma.grad.scalars[c]) - dGamma[c]) < 1e-4)
            }
            levelResults += y.scalars + dx.scalars + bn.gamma.grad.scalars + bn.beta.grad.scalars
        }
        // Train mode: the batch statistics (sums in Double), against a plain Double computation.
        let bn = BatchNorm(3, momentum: 1)
        let x = randomInput([2, 3, 1, 37], seed: 8)
        let y = bn.forward(x, mode: .train, then: .leaky(0.2))
        for c in 0..<3 {
            let values = (0..<2).flatMap { i in (0..<37).map { Double(x.scalars[(i * 3 + c) * 37 + $0]) } }
            let mean = values.reduce(0, +) / 74
            let unbiased = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 73
            #expect(abs(Double(bn.runningMean.value.scalars[c]) - mean) < 1e-6)
            #expect(abs(Double(bn.runningVar.value.scalars[c]) - unbiased) < 1e-5)
        }
        levelResults += y.scalars + bn.runningMean.value.scalars + bn.runningVar.value.scalars
        results.append(levelResults)
    }
    #expect(!results.isEmpty)
    for other in results.dropFirst() { #expect(other == results[0]) }
}

@Test func batchNormStatistics() {
    let bn = BatchNorm(2, momentum: 0.1)
    // Channel 0 holds 1, 2, 3, 4 and channel 1 holds 10, 10, 10, 10 across N=2, S=2.
    let x = Tensor(shape: [2, 2, 1, 2], scalars: [1, 2, 10, 10, 3, 4, 10, 10])
    let y = bn.forward(x, mode: .train)
    // Biased variance of 1..4 is 1.25, unbiased 5/3.
    let istd = 1 / (1.25 + 1e-5).squareRoot()
    #expect(abs(y.scalars[0] - Float(-1.5 * istd)) < 1e-5)
    #expect(abs(bn.runningMean.value.scalars[0] - 0.25) < 1e-6)
    #expect(abs(bn.runningVar.value.scalars[0] - (0.9 + 0.1 * 5.0 / 3.0)) < 1e-6)
    #expect(abs(bn.runningMean.value.scalars[1] - 1.0) < 1e-6)
    // Eval mode uses the running statistics: (x - 0.25) / sqrt(runningVar + eps).
    let e = bn.forward(x, mode: .eval)
    let rv = bn.runningVar.value.scalars[0]
    #expect(abs(e.scalars[0] - (1 - 0.25) / (rv + 1e-5).squareRoot()) < 1e-5)
}

@Test func recalibratedStatisticsAreThePlainAverageOfTheBatches() {
    let bn = BatchNorm(1, momentum: 0.1)
    let net = Sequential([bn])
    _ = net.forward(Tensor(shape: [2, 1], scalars: [100, 200]), mode: .train)  // an old estimate, discarded
    // Batches with means 2 and 6 and unbiased variances 2 and 8.
    let batches = [Tensor(shape: [2, 1], scalars: [1, 3]), Tensor(shape: [2, 1], scalars: [4, 8])]
    recalibrate([net]) { for b in batches { _ = net.forward(b, mode: .train) } }
    #expect(abs(bn.runningMean.value.scalars[0] - 4) < 1e-6)
    #expect(abs(bn.runningVar.value.scalars[0] - 5) < 1e-6)
    // Afterwards the exponential average (momentum 0.1) is back.
    _ = net.forward(Tensor(shape: [2, 1], scalars: [14, 14]), mode: .train)
    #expect(abs(bn.runningMean.value.scalars[0] - (0.9 * 4 + 0.1 * 14)) < 1e-5)
}

@Test func activationGradients() {
    let x = randomInput([2, 3, 2, 3], margin: 0.05)
    let layers: [Layer] = [ReLU(), LeakyReLU(slope: 0.2), Tanh(), Sigmoid(), Flatten(), Reshape([3, 6])]
    for layer in layers {
        let input = layer is Reshape ? x.reshaped([2, 18]) : x
        let bad = checkLayerGradients(layer, input: input, eps: 1e-2)
        #expect(bad.isEmpty, "\(type(of: layer)): \(bad.prefix(3))")
    }
}

@Test func dropoutGradientsAndScaling() {
    let seed = SeededGenerator(seed: 11)
    let drop = Dropout(rate: 0.5, generator: seed)
    let x = randomInput([4, 6])
    let bad = checkLayerGradients(drop, input: x, beforeForward: { drop.generator = seed })
    #expect(bad.isEmpty, "\(bad.prefix(3))")
    drop.generator = seed
    let y = drop.forward(x, mode: .train)
    let kept = (0..<x.count).filter { y.scalars[$0] != 0 }
    #expect(kept.count > 4 && kept.count < 20)
    for i in kept { #expect(y.scalars[i] == 2 * x.scalars[i]) }
    #expect(drop.forward(x, mode: .eval) == x)
}

@Test func concatAndSplitAreAdjoint() {
    let a = randomInput([2, 3, 2, 2], seed: 1), b = randomInput([2, 1, 2, 2], seed: 2)
    let c = concat([a, b])
    #expect(c.shape == [2, 4, 2, 2])
    // Image 1, channel 3 is b's image 1 channel 0.
    #expect(Array(c.scalars[(1 * 4 + 3) * 4..<(1 * 4 + 4) * 4]) == Array(b.scalars[4..<8]))
    let parts = split(c, sizes: [3, 1])
    #expect(parts[0] == a && parts[1] == b)
    // Gradient of L = <concat(a, b), probe> w.r.t. a is split(probe)[0].
    var rng = SeededGenerator(seed: 5)
    let probe = randomTensor(c.shape, &rng)
    let numeric = numericGradient(at: a, eps: 1e-2) { dot(concat([$0, b]), probe) }
    #expect(mismatches("a", analytic: split(probe, sizes: [3, 1])[0], numeric: numeric, tolerance: 1e-2).isEmpty)
    let v = concat([randomInput([3, 4]), randomInput([3, 2])])
    #expect(v.shape == [3, 6])
}

@Test func lossGradients() {
    let logits = randomInput([4, 5], seed: 9)
    let labels = [0, 3, 4, 1]
    let (ce, probs) = softmaxCrossEntropy(logits: logits, labels: labels, weight: 0.5)
    for i in 0..<4 {
        let rowSum = (0..<5).reduce(Float(0)) { $0 + probs.scalars[i * 5 + $1] }
        #expect(abs(rowSum - 1) < 1e-5)
    }
    let ceNumeric = numericGradient(at: logits, eps: 1e-2) {
        0.5 * Double(softmaxCrossEntropy(logits: $0, labels: labels).result.loss)
    }
    #expect(mismatches("ce", analytic: ce.gradient, numeric: ceNumeric, tolerance: 1e-2).isEmpty)

    let z = randomInput([6, 1], seed: 4)
    let targets: [Float] = [1, 0, 1, 1, 0, 0.5]
    let bce = bceWithLogits(logits: z, targets: targets, weight: 2)
    let bceNumeric = numericGradient(at: z, eps: 1e-2) { 2 * Double(bceWithLogits(logits: $0, targets: targets).loss) }
    #expect(mismatches("bce", analytic: bce.gradient, numeric: bceNumeric, tolerance: 1e-2).isEmpty)

    let p = randomInput([2, 3], seed: 6), t = randomInput([2, 3], seed: 8)
    let l1 = l1Loss(prediction: p, target: t, weight: 3)
    let l1Numeric = numericGradient(at: p, eps: 1e-3) { 3 * Double(l1Loss(prediction: $0, target: t).loss) }
    #expect(mismatches("l1", analytic: l1.gradient, numeric: l1Numeric, tolerance: 1e-2).isEmpty)
}

@Test func lossValuesByHand() {
    // Two classes, logits (0, ln 3): p = (1/4, 3/4); label 1 gives -ln(3/4).
    let (ce, probs) = softmaxCrossEntropy(logits: Tensor(shape: [1, 2], scalars: [0, Float(log(3.0))]), labels: [1])
    #expect(abs(ce.loss - Float(-log(0.75))) < 1e-6)
    #expect(abs(probs.scalars[0] - 0.25) < 1e-6)
    // BCE with logit 0 is ln 2 whatever the target; stable at large |x|.
    #expect(abs(bceWithLogits(logits: Tensor(shape: [1], scalars: [0]), targets: [1]).loss - 0.693147) < 1e-5)
    let big = bceWithLogits(logits: Tensor(shape: [2], scalars: [100, -100]), targets: [0, 1])
    #expect(abs(big.loss - 100) < 1e-3 && big.gradient.isFinite)
    #expect(l1Loss(prediction: Tensor(shape: [2], scalars: [1, -2]), target: Tensor(shape: [2], scalars: [0, 0])).loss == 1.5)
}


@Test func parameterGradientsAccumulate() {
    func layers() -> [(Layer, [Int])] {
        var out: [(Layer, [Int])] = []
        for s in GEMMStrategy.allCases {
            let conv = Conv2D(2, 3, kernel: 3, stride: 2, padding: 1)
            conv.strategy = s
            let deconv = ConvTranspose2D(2, 3, kernel: 4, stride: 2, padding: 1, outputPadding: 1)
            deconv.strategy = s
            out += [(conv, [2, 2, 5, 6]), (deconv, [2, 2, 3, 4])]
        }
        return out + [(Linear(4, 3), [2, 4]), (BatchNorm(2), [3, 2, 2, 2])]
    }
    for (layer, shape) in layers() {
        randomizeParameters(layer)
        let x = randomInput(shape)
        let y = layer.forward(x, mode: .train)
        let dy = randomInput(y.shape, seed: 4)
        zeroGrad(layer.parameters)
        _ = layer.backward(dy)
        let once = layer.parameters.map(\.grad)
        _ = layer.backward(dy)
        for (p, g) in zip(layer.parameters, once) {
            var twice = g
            twice.add(g)
            #expect(maxAbsDifference(p.grad, twice) < 1e-4, "\(type(of: layer)) \(p.name) does not accumulate")
        }
        zeroGrad(layer.parameters)
        #expect(layer.parameters.allSatisfy { $0.grad.scalars.allSatisfy { $0 == 0 } })
    }
}

@Test func frozenParametersKeepTheirGradientsButPassInputGradients() {
    for strategy in GEMMStrategy.allCases {
        let conv = Conv2D(2, 3, kernel: 4, stride: 2, padding: 1)
        conv.strategy = strategy
        let deconv = ConvTranspose2D(3, 2, kernel: 4, stride: 2, padding: 1)
        deconv.strategy = strategy
        let net = Sequential([conv, BatchNorm(3), LeakyReLU(), deconv, Flatten(), Linear(2 * 8 * 8, 2)])
        randomizeParameters(net)
        let x = randomInput([2, 2, 8, 8])
        let dy = randomInput([2, 2], seed: 9)
        zeroGrad(net.parameters)
        _ = net.forward(x, mode: .train)
        let dxLive = net.backward(dy)
        setRequiresGrad(net.parameters, false)
        zeroGrad(net.parameters)
        _ = net.forward(x, mode: .train)
        let dxFrozen = net.backward(dy)
        #expect(dxFrozen == dxLive)
        #expect(net.parameters.allSatisfy { $0.grad.scalars.allSatisfy { $0 == 0 } })
    }
}
