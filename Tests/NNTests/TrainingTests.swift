// End-to-end engine checks: a small conv net fits a small labelled batch, training is bit-for-bit
// deterministic for a seed and thread count, and repeated steps do not grow memory.

import NN
import Testing

/// A small conv net of the HA-GAN trunk's kind, on 1 x 16 x 12 inputs.
private func makeNet(seed: UInt64) -> Sequential {
    let net = Sequential([
        Conv2D(1, 8, kernel: 4, stride: 2, padding: 1), LeakyReLU(slope: 0.2),
        Conv2D(8, 16, kernel: 4, stride: 2, padding: 1), BatchNorm(16), LeakyReLU(slope: 0.2),
        Flatten(), Linear(16 * 4 * 3, 32), BatchNorm(32), ReLU(), Dropout(rate: 0.1, generator: SeededGenerator(seed: seed).child("dropout")),
        Linear(32, 4),
    ])
    var rng = SeededGenerator(seed: seed).child("init")
    initialize(net, .dcgan, generator: &rng)
    return net
}

/// A labelled batch: class k has a bright 4x4 square in quadrant k, plus noise.
private func makeBatch(count: Int, seed: UInt64) -> (Tensor, [Int]) {
    var rng = SeededGenerator(seed: seed)
    var x = Tensor(zeros: [count, 1, 16, 12])
    var labels: [Int] = []
    for i in 0..<count {
        let k = i % 4
        labels.append(k)
        for y in 0..<16 {
            for xx in 0..<12 {
                let inside = (y / 8 == k / 2) && (xx / 6 == k % 2) && (y % 8 >= 2 && y % 8 < 6) && (xx % 6 >= 1 && xx % 6 < 5)
                x.scalars[(i * 16 + y) * 12 + xx] = (inside ? 1 : -0.5) + 0.3 * rng.normal()
            }
        }
    }
    return (x, labels)
}

private func train(seed: UInt64, steps: Int, threads: Int = 1) -> [Float] {
    BLAS.threadCount = threads
    let net = makeNet(seed: seed)
    let adam = Adam(net.parameters, settings: AdamSettings(lr: 2e-3, beta1: 0.5))
    let (x, labels) = makeBatch(count: 16, seed: seed &+ 1)
    var losses: [Float] = []
    for _ in 0..<steps {
        zeroGrad(net.parameters)
        let logits = net.forward(x, mode: .train)
        let (ce, _) = softmaxCrossEntropy(logits: logits, labels: labels)
        _ = net.backward(ce.gradient)
        adam.update()
        losses.append(ce.loss)
    }
    return losses
}

@Test func smallConvNetFitsABatch() {
    let losses = train(seed: 1, steps: 150)
    #expect(losses[0] > 1.0)
    #expect(losses.last! < losses[0] / 20, "loss went from \(losses[0]) to \(losses.last!)")
}

@Test func trainingIsBitIdenticalForASeed() {
    let a = train(seed: 3, steps: 20), b = train(seed: 3, steps: 20), c = train(seed: 4, steps: 20)
    #expect(a == b)
    #expect(a != c)
    let a2 = train(seed: 3, steps: 20, threads: 2), b2 = train(seed: 3, steps: 20, threads: 2)
    #expect(a2 == b2)
    BLAS.threadCount = 1
}
