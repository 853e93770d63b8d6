// Shapes of the three networks for the paper's and other input sizes and for gray or RGB domains,
// parameter counts against the reference architecture, and strict configuration decoding.

import Foundation
import Models
import NN
import Testing
import Vocabulary

@Test func downsampledSizesMirrorTheReference() {
    #expect(downsampledSizes(75) == [75, 37, 18, 9, 4])
    #expect(downsampledSizes(64) == [64, 32, 16, 8, 4])
    #expect(downsampledSizes(48) == [48, 24, 12, 6, 3])
}

@Test(arguments: [(48, 1, 1), (64, 1, 1), (75, 1, 1), (48, 1, 3), (64, 3, 3), (75, 1, 3)])
func outputShapes(size: Int, humanChannels: Int, characterChannels: Int) throws {
    let config = smallConfig(size: size, humanChannels: humanChannels, characterChannels: characterChannels)
    let trainer = try HAGANTrainer(config: config, random: SeededGenerator(seed: 1))
    let n = 3
    let humans = randomTensor([n, humanChannels, size, size], seed: 2)
    var noiseStream = SeededGenerator(seed: 3)
    let z = HAGANTrainer.drawNoise(count: n, config: config, from: &noiseStream)
    var ids = Tensor(zeros: [n, config.characterCount])
    for i in 0..<n { ids.scalars[i * config.characterCount + i] = 1 }
    let generated = trainer.generator.forward(humans, identities: ids, noise: z, mode: .train)
    #expect(generated.shape == [n, characterChannels, size, size])
    #expect(generated.scalars.allSatisfy { $0 > -1 && $0 < 1 }, "tanh output")

    let out = trainer.discriminator.forward(concat([humans, generated]), mode: .train)
    #expect(out.realFake.shape == [n, 1])
    #expect(out.expression.shape == [n, 6])

    let predictions = trainer.predict(humans)
    #expect(predictions.count == n)
    #expect(predictions.allSatisfy { $0.probabilities.count == 6 && abs($0.probabilities.reduce(0, +) - 1) < 1e-5 })

    var cnnConfig = CNNConfig()
    cnnConfig.imageSize = size
    cnnConfig.channels = humanChannels
    let cnn = try CNNTrainer(config: cnnConfig, random: SeededGenerator(seed: 1))
    #expect(cnn.network.forward(humans, mode: .train).shape == [n, 6])
}

@Test func characterDiscriminatorSeesOnlyTheCharacterChannels() throws {
    var config = smallConfig(size: 32, humanChannels: 1, characterChannels: 3)
    config.discriminatorInput = .character
    let trainer = try HAGANTrainer(config: config, random: SeededGenerator(seed: 1))
    #expect(trainer.discriminator.inputChannels == 3)
    let losses = try trainer.step(randomBatch(config, n: 4, seed: 5))
    #expect(losses.generator.isFinite && losses.discriminator.isFinite)
    config.discriminatorInput = .pair
    #expect(try HAGANTrainer(config: config, random: SeededGenerator(seed: 1)).discriminator.inputChannels == 4)
}

/// Parameter counts of the reference (hagan_torch.py --mode flops, 64x64 gray): the same layers.
@Test func parameterCountsMatchTheReferenceArchitecture() throws {
    let trainer = try HAGANTrainer(config: smallConfig(size: 64), random: SeededGenerator(seed: 1))
    func count(_ ps: [Parameter]) -> Int { ps.reduce(0) { $0 + $1.value.count } }
    // G: encoder convs + BN, code Linear 4096 -> 128, decode Linear 184 -> 4096, decoder convT + BN.
    let encoder = (1 * 32 * 16 + 32) + (32 * 64 * 16 + 64) + (64 * 128 * 16 + 128) + (128 * 256 * 16 + 256) + 2 * (32 + 64 + 128 + 256)
    let linears = (4096 * 128 + 128) + (184 * 4096 + 4096)
    let decoder = (256 * 128 * 16 + 128) + (128 * 64 * 16 + 64) + (64 * 32 * 16 + 32) + (32 * 1 * 16 + 1) + 2 * (128 + 64 + 32)
    #expect(count(trainer.generator.parameters) == encoder + linears + decoder)
    let trunk = (2 * 16 * 16 + 16) + (16 * 32 * 16 + 32) + (32 * 64 * 16 + 64) + (64 * 128 * 16 + 128) + 2 * (32 + 64 + 128)
        + (2048 * 1024 + 1024)
    let heads = (1024 * 512 + 512) + (512 + 1) + (1024 * 512 + 512) + (512 * 256 + 256) + (256 * 6 + 6)
    #expect(count(trainer.discriminator.parameters) == trunk + heads)
}

/// A checkpoint's configuration is the spec's settings as they are plus what the data decides; it
/// comes back from its JSON unchanged, and JSON missing a setting is refused rather than defaulted.
@Test func configRoundTripsThroughItsJSON() throws {
    var settings = HAGANSettings.defaults(specVersion: 2)
    settings.l1Weight = 10
    settings.training.adam.lr = 0.001
    var expected = HAGANConfig(settings: settings)
    expected.imageSize = 64
    #expect(expected.l1Weight == 10 && expected.generatorAdam.lr == Float(0.001) && expected.discriminatorAdam.lr == Float(0.001))
    #expect(expected.codeSize == 128 && expected.noiseSize == 50 && expected.batchSize == 130)
    let roundTrip = try JSONDecoder().decode(HAGANConfig.self, from: JSONEncoder().encode(expected))
    #expect(roundTrip == expected)
    let cnn = CNNConfig(settings: .defaults(specVersion: 2))
    #expect(try JSONDecoder().decode(CNNConfig.self, from: JSONEncoder().encode(cnn)) == cnn)
    #expect(throws: DecodingError.self) {
        try JSONDecoder().decode(HAGANConfig.self, from: Data(#"{"settings": {"codeSize": 128}, "imageSize": 64}"#.utf8))
    }
}

@Test func invalidSettingsAreNamed() {
    var c = HAGANConfig()
    c.imageSize = 16
    #expect(throws: ModelConfigError.invalid(key: "imageSize", value: "16", requirement: "use a crop size from 32 to 1024 (the paper uses 75)")) {
        try HAGANTrainer(config: c, random: SeededGenerator(seed: 1))
    }
    c = HAGANConfig()
    c.testCharacter = 6
    do {
        try c.validate()
        Issue.record("testCharacter 6 of 6 accepted")
    } catch {
        #expect("\(error)".contains("testCharacter"))
    }
    var cnn = CNNConfig()
    cnn.settings.adam.beta1 = 1
    do {
        try cnn.validate()
        Issue.record("beta1 = 1 accepted")
    } catch {
        #expect("\(error)".contains("adam.beta1"))
    }
}

@Test func gemmStrategiesAgree() throws {
    let config = smallConfig(size: 48)
    let humans = randomTensor([3, 1, 48, 48], seed: 2)
    var outputs: [[Prediction]] = []
    for strategy in GEMMStrategy.allCases {
        let trainer = try HAGANTrainer(config: config, random: SeededGenerator(seed: 1))
        setGEMMStrategy(strategy, in: [trainer.generator.encoder, trainer.generator.decoder, trainer.discriminator.trunk])
        try trainer.step(randomBatch(config, n: 4, seed: 3))
        outputs.append(trainer.predict(humans))
    }
    for other in outputs.dropFirst() {
        for (a, b) in zip(outputs[0], other) {
            for k in 0..<6 { #expect(abs(a.probabilities[k] - b.probabilities[k]) < 1e-4) }
        }
    }
}
