// Adam against steps computed by hand, and the initialisation schemes' statistics.

import Foundation
import NN
import Testing

@Test func adamMatchesHandComputedSteps() {
    let p = Parameter("w", Tensor(shape: [2], scalars: [1, -1]))
    let adam = Adam([p], settings: AdamSettings(lr: 0.1, beta1: 0.5, beta2: 0.9, eps: 1e-8))
    // Step 1, g = (2, -4): m = (1, -2), v = (0.4, 1.6); mhat = (2, -4), vhat = (4, 16);
    // update = 0.1 * mhat / (sqrt(vhat) + eps) = (0.1, -0.1).
    p.grad = Tensor(shape: [2], scalars: [2, -4])
    adam.update()
    #expect(abs(p.value.scalars[0] - 0.9) < 1e-6 && abs(p.value.scalars[1] - (-0.9)) < 1e-6)
    // Step 2, g = (1, 0): m = (1, -1), v = (0.46, 1.44); mhat = m / 0.75, vhat = v / 0.19.
    p.grad = Tensor(shape: [2], scalars: [1, 0])
    adam.update()
    let expected0 = 0.9 - 0.1 * (1 / 0.75) / ((0.46 / 0.19).squareRoot() + 1e-8)
    let expected1 = -0.9 - 0.1 * (-1 / 0.75) / ((1.44 / 0.19).squareRoot() + 1e-8)
    #expect(abs(Double(p.value.scalars[0]) - expected0) < 1e-6)
    #expect(abs(Double(p.value.scalars[1]) - expected1) < 1e-6)
    #expect(adam.step == 2)
}

@Test func adamGivesTheBitsOfOneParameterAtATime() {
    // 37 values: the eight-wide path and the remainder.
    let n = 37
    var w = (0..<n).map { Float($0) * 0.37 - 5 }, m = [Float](repeating: 0, count: n), v = m
    let p = Parameter("w", Tensor(shape: [n], scalars: w))
    let s = AdamSettings(lr: 2e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8)
    let adam = Adam([p], settings: s)
    for step in 1...3 {
        let g = (0..<n).map { Float(($0 * 7 + step * 3) % 11) - 5.5 }
        p.grad = Tensor(shape: [n], scalars: g)
        adam.update()
        let c1 = 1 - powf(s.beta1, Float(step)), c2 = 1 - powf(s.beta2, Float(step))
        let stepSize = s.lr / c1, c2root = c2.squareRoot()
        for j in 0..<n {
            m[j] = s.beta1 * m[j] + (1 - s.beta1) * g[j]
            v[j] = s.beta2 * v[j] + (1 - s.beta2) * g[j] * g[j]
            w[j] -= stepSize * m[j] / (v[j].squareRoot() / c2root + s.eps)
        }
        #expect(p.value.scalars == w, "step \(step)")
        #expect(adam.m[0].scalars == m && adam.v[0].scalars == v, "step \(step)")
    }
}

@Test func adamSkipsBuffersAndKeepsParameterOrder() {
    let bn = BatchNorm(3)
    let adam = Adam(bn.parameters + bn.buffers)
    #expect(adam.parameters.map(\.localName) == ["weight", "bias"])
    #expect(adam.m.map(\.shape) == [[3], [3]])
}

@Test func initializationStatistics() {
    let conv = Conv2D(64, 64, kernel: 4)
    let bn = BatchNorm(256)
    let net = Sequential([conv, bn])
    var rng = SeededGenerator(seed: 1)
    initialize(net, .dcgan, generator: &rng)
    let w = conv.weight.value.scalars
    let mean = w.reduce(0, +) / Float(w.count)
    let std = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(w.count)).squareRoot()
    #expect(abs(mean) < 0.002 && abs(std - 0.02) < 0.001)
    #expect(conv.bias!.value.scalars.allSatisfy { $0 == 0 })
    let g = bn.gamma.value.scalars
    #expect(abs(g.reduce(0, +) / Float(g.count) - 1) < 0.01)
    initialize(net, .kaiming, generator: &rng)
    let w2 = conv.weight.value.scalars
    let std2 = (w2.map { $0 * $0 }.reduce(0, +) / Float(w2.count)).squareRoot()
    let expected = (2 / 1.04 as Float).squareRoot() / (64 * 16 as Float).squareRoot()
    #expect(abs(std2 - expected) / expected < 0.05)
}

@Test func randomStreamsAreSeededAndIndependent() {
    var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
    let xa = (0..<8).map { _ in a.next() }, xb = (0..<8).map { _ in b.next() }, xc = (0..<8).map { _ in c.next() }
    #expect(xa == xb && xa != xc)
    // Children depend on the purpose, not on how much the parent has drawn.
    let parent = SeededGenerator(seed: 7)
    var drawn = parent
    _ = drawn.next()
    #expect(parent.child("init") == drawn.child("init"))
    #expect(parent.child("init") != parent.child("noise"))
    #expect(parent.child("fold", 1) != parent.child("fold", 2))
    // Restoring a saved state resumes the stream.
    var g = SeededGenerator(seed: 9)
    _ = g.normal()
    var restored = SeededGenerator(seed: g.seed, state: g.stateWords)
    #expect(g.next() == restored.next())
    // Normal draws: mean 0, variance 1; uniforms in [0, 1).
    var n = SeededGenerator(seed: 3)
    let xs = (0..<20000).map { _ in Double(n.normal()) }
    let mean = xs.reduce(0, +) / Double(xs.count)
    let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)
    #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
    #expect((0..<1000).allSatisfy { _ in let u = n.uniform(); return u >= 0 && u < 1 })
}
