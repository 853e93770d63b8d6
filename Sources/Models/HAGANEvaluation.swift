// HA-GAN at test time (section 4): D^R is discarded and the expression of a human image is
// argmax D^e(I_HE, G(I_HE, Id_AN, z)), both networks in eval mode, with the configured test z
// (the evaluation networks: the trained ones, or their weight average; EvaluationNetworks.swift).
// Also the eval-mode generation used by sample grids and `exp predict --character-out`.

import NN

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension HAGANTrainer {
    /// Predictions with class probabilities for human images [N, C, S, S]. Batches of
    /// `config.batchSize`; results do not depend on the batching (eval mode).
    public func predict(_ humans: Tensor) -> [Prediction] {
        let n = humans.shape[0]
        let noises = testNoise()
        var out: [Prediction] = []
        out.reserveCapacity(n)
        for start in stride(from: 0, to: n, by: config.batchSize) {
            let chunk = rows(humans, start..<min(n, start + config.batchSize))
            var probabilities = [[Double]](repeating: [Double](repeating: 0, count: config.expressionCount), count: chunk.shape[0])
            for z in noises {
                let generated = generate(chunk, identity: config.testCharacter, noise: z)
                let logits = evaluationDiscriminator.expressionLogits(discriminatorInput(chunk, generated), mode: .eval)
                let p = softmax(logits)
                for i in probabilities.indices {
                    for k in 0..<config.expressionCount { probabilities[i][k] += p[i][k] / Double(noises.count) }
                }
            }
            out += probabilities.map { Prediction(probabilities: $0.map { Float($0) }) }
        }
        return out
    }

    /// Character images G(I_HE, Id, z) of the evaluation generator, with one z vector [noiseSize]
    /// shared by every image; in eval mode unless `mode` says otherwise (train mode re-estimates its
    /// BatchNorm statistics, `prepareEvaluation`).
    public func generate(_ humans: Tensor, identity: Int, noise: [Float], mode: Mode = .eval) -> Tensor {
        precondition(noise.count == config.noiseSize, "generate: z has \(noise.count) values, expected \(config.noiseSize)")
        precondition(identity >= 0 && identity < config.characterCount, "generate: identity \(identity) outside 0..<\(config.characterCount)")
        let n = humans.shape[0]
        let z = Tensor(shape: [n, config.noiseSize], scalars: Array((0..<n).map { _ in noise }.joined()))
        let identities = oneHot([Int](repeating: identity, count: n), classes: config.characterCount)
        return evaluationGenerator.forward(humans, identities: identities, noise: z, mode: mode)
    }

    /// The test-time z vectors: zero, one fixed draw, or `testNoiseDraws` fixed draws, always from a
    /// fresh "test-noise" child stream so that predictions do not depend on what ran before.
    public func testNoise() -> [[Float]] {
        var stream = random.child("test-noise")
        switch config.testNoise {
        case .zero:
            return [[Float](repeating: 0, count: config.noiseSize)]
        case .fixed:
            return [HAGANTrainer.drawNoise(count: 1, config: config, from: &stream).scalars]
        case .average:
            let z = HAGANTrainer.drawNoise(count: config.testNoiseDraws, config: config, from: &stream)
            return (0..<config.testNoiseDraws).map { Array(z.scalars[($0 * config.noiseSize)..<(($0 + 1) * config.noiseSize)]) }
        }
    }
}

/// Row-wise softmax of logits [N, K], in Double.
func softmax(_ logits: Tensor) -> [[Double]] {
    let n = logits.shape[0], k = logits.shape[1]
    return (0..<n).map { i in
        let row = (0..<k).map { Double(logits.scalars[i * k + $0]) }
        let m = row.max()!
        let e = row.map { exp($0 - m) }
        let z = e.reduce(0, +)
        return e.map { $0 / z }
    }
}
