// Test-time behaviour (section 4): predictions do not depend on batching or on what ran before,
// each test-noise mode behaves as documented, and sample grids show the inputs beside G's outputs.

import Models
import NN
import Testing
import Vocabulary

@Test(arguments: TestNoise.allCases)
func predictionsDoNotDependOnBatchingOrHistory(mode: TestNoise) throws {
    var config = smallConfig()
    config.testNoise = mode
    config.testNoiseDraws = 3
    config.batchSize = 4
    let trainer = try HAGANTrainer(config: config, random: SeededGenerator(seed: 4))
    try trainer.step(randomBatch(config, n: 6, seed: 1))
    let humans = randomTensor([7, 1, 32, 32], seed: 9)
    let all = trainer.predict(humans)
    let one = trainer.predict(Tensor(shape: [1, 1, 32, 32], scalars: Array(humans.scalars[(3 * 1024)..<(4 * 1024)])))
    #expect(all.count == 7)
    for k in 0..<6 { #expect(abs(all[3].probabilities[k] - one[0].probabilities[k]) < 1e-5) }
    #expect(trainer.predict(humans) == all, "prediction changed the model or consumed a stream")
    for p in all { #expect(p.probabilities[p.label] == p.probabilities.max()!) }
}

@Test func testNoiseModes() throws {
    var config = smallConfig()
    config.testNoiseDraws = 4
    func noise(_ mode: TestNoise, seed: UInt64) throws -> [[Float]] {
        config.testNoise = mode
        return try HAGANTrainer(config: config, random: SeededGenerator(seed: seed)).testNoise()
    }
    #expect(try noise(.zero, seed: 1) == [[Float](repeating: 0, count: 50)])
    let fixed = try noise(.fixed, seed: 1)
    #expect(fixed.count == 1 && fixed[0].count == 50 && fixed[0].contains { $0 != 0 })
    #expect(try noise(.fixed, seed: 1) == fixed)
    #expect(try noise(.fixed, seed: 2) != fixed)
    let average = try noise(.average, seed: 1)
    #expect(average.count == 4 && Set(average.map { $0[0] }).count == 4)
}

@Test func sampleGridShowsInputsBesideGeneratedImages() throws {
    let config = smallConfig(size: 32, humanChannels: 1, characterChannels: 3)
    let trainer = try HAGANTrainer(config: config, random: SeededGenerator(seed: 4))
    let humans = randomTensor([3, 1, 32, 32], seed: 2)
    let grid = trainer.sampleGrid(humans)
    #expect(grid.width == 64 && grid.height == 96 && grid.channels == 3)
    #expect(grid.pixels.count == 3 * 64 * 96)
    #expect(grid.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
    // Left half, row of image 1, every channel: the gray input mapped from [-1, 1] to [0, 1].
    for c in 0..<3 {
        for (y, x) in [(0, 0), (5, 17), (31, 31)] {
            let expected = (humans.scalars[1024 + y * 32 + x] + 1) / 2
            #expect(abs(grid.pixels[(c * 96 + 32 + y) * 64 + x] - expected) < 1e-6)
        }
    }
    // Right half: the generated character image, the same for the same inputs (fixed z).
    let again = trainer.sampleGrid(humans)
    #expect(again == grid)
    let generated = trainer.generate(Tensor(shape: [1, 1, 32, 32], scalars: Array(humans.scalars[1024..<2048])),
                                     identity: config.testCharacter, noise: sampleNoise(config, seed: 4, index: 1))
    let g = generated.scalars[(2 * 32 + 10) * 32 + 20]
    #expect(abs(grid.pixels[(2 * 96 + 32 + 10) * 64 + 32 + 20] - (g + 1) / 2) < 1e-6)
}

/// The i-th z of the "sample-noise" stream of a trainer seeded with `seed`.
private func sampleNoise(_ config: HAGANConfig, seed: UInt64, index: Int) -> [Float] {
    var stream = SeededGenerator(seed: seed).child("sample-noise")
    let z = HAGANTrainer.drawNoise(count: index + 1, config: config, from: &stream)
    return Array(z.scalars[(index * 50)..<((index + 1) * 50)])
}
