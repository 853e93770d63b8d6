// A separable toy task for the model tests (real faces come from the data module): the class of a
// "human" image is the position of a bright blob on a 2 x 3 grid; each subject has its own nuisance
// (background level and gradient, blob size and brightness), images add jitter and pixel noise.
// "Character" images are clean: a square at the class position on the character's own pattern;
// the neutral image is the pattern alone. Folds are split by subject.

import Models
import NN

struct ToySample {
    var subject: Int
    var label: Int
    var human: [Float]
}

struct ToyData {
    let size: Int
    let classes = 6
    let characters: Int
    var samples: [ToySample] = []

    /// `subjects` subjects x `perClass` images of each class.
    init(size: Int, subjects: Int, perClass: Int, characters: Int = 2, seed: UInt64) {
        self.size = size
        self.characters = characters
        var rng = SeededGenerator(seed: seed)
        for subject in 0..<subjects {
            let background = rng.uniform(-0.8, -0.3), slope = rng.uniform(-0.3, 0.3)
            let radius = rng.uniform(0.08, 0.13) * Float(size), brightness = rng.uniform(0.6, 1.0)
            for label in 0..<classes {
                for _ in 0..<perClass {
                    let (cx, cy) = ToyData.center(label, size: size)
                    let jx = cx + rng.uniform(-2, 2), jy = cy + rng.uniform(-2, 2)
                    var pixels = [Float](repeating: 0, count: size * size)
                    for y in 0..<size {
                        for x in 0..<size {
                            let d2 = (Float(x) - jx) * (Float(x) - jx) + (Float(y) - jy) * (Float(y) - jy)
                            let blob: Float = d2 < radius * radius ? brightness - background : 0
                            let v = background + slope * Float(x) / Float(size) + blob + 0.1 * rng.normal()
                            pixels[y * size + x] = min(1, max(-1, v))
                        }
                    }
                    samples.append(ToySample(subject: subject, label: label, human: pixels))
                }
            }
        }
    }

    /// Blob centre for a class: columns at 1/6, 3/6, 5/6 of the width, rows at 1/4 and 3/4.
    static func center(_ label: Int, size: Int) -> (Float, Float) {
        (Float(size) * Float(2 * (label % 3) + 1) / 6, Float(size) * Float(2 * (label / 3) + 1) / 4)
    }

    /// The character's neutral image (a pattern of its own), or with a square at the class position.
    func character(_ id: Int, label: Int?) -> [Float] {
        var p = [Float](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                p[y * size + x] = id % 2 == 0 ? ((x / 4 + y / 4) % 2 == 0 ? -0.6 : -0.9) : (y < size / 2 ? -0.5 : -0.8)
            }
        }
        if let label {
            let (cx, cy) = ToyData.center(label, size: size)
            let h = size / 10
            for y in max(0, Int(cy) - h)..<min(size, Int(cy) + h) {
                for x in max(0, Int(cx) - h)..<min(size, Int(cx) + h) { p[y * size + x] = 0.9 }
            }
        }
        return p
    }

    func indices(subjects: Range<Int>) -> [Int] { samples.indices.filter { subjects.contains(samples[$0].subject) } }

    func labeled(_ idx: [Int]) -> LabeledImages {
        LabeledImages(images: Tensor(shape: [idx.count, 1, size, size], scalars: idx.flatMap { samples[$0].human }),
                      labels: idx.map { samples[$0].label })
    }

    /// HA-GAN batches of one epoch: `idx` shuffled by `order`, characters drawn from `pick`.
    func ganBatches(_ idx: [Int], batchSize: Int, order: inout SeededGenerator, pick: inout SeededGenerator) -> [HAGANBatch] {
        var shuffled = idx
        order.shuffle(&shuffled)
        return stride(from: 0, to: shuffled.count - batchSize + 1, by: batchSize).map { start in
            let part = Array(shuffled[start..<(start + batchSize)])
            let ids = part.map { _ in pick.int(below: characters) }
            let shape = [part.count, 1, size, size]
            return HAGANBatch(
                humans: Tensor(shape: shape, scalars: part.flatMap { samples[$0].human }),
                labels: part.map { samples[$0].label },
                characters: Tensor(shape: shape, scalars: zip(part, ids).flatMap { character($1, label: samples[$0].label) }),
                neutralCharacters: Tensor(shape: shape, scalars: ids.flatMap { character($0, label: nil) }),
                identities: ids)
        }
    }

    /// CNN batches of one epoch: `idx` shuffled by `order`.
    func cnnBatches(_ idx: [Int], batchSize: Int, order: inout SeededGenerator) -> [LabeledImages] {
        var shuffled = idx
        order.shuffle(&shuffled)
        return stride(from: 0, to: shuffled.count - batchSize + 1, by: batchSize).map {
            labeled(Array(shuffled[$0..<($0 + batchSize)]))
        }
    }
}

/// A small random tensor with values in [-1, 1).
func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    var t = Tensor(zeros: shape)
    for i in 0..<t.count { t.scalars[i] = rng.uniform(-1, 1) }
    return t
}

/// A random HA-GAN batch of `n` images for `config`.
func randomBatch(_ config: HAGANConfig, n: Int, seed: UInt64) -> HAGANBatch {
    let s = config.imageSize
    var rng = SeededGenerator(seed: seed &+ 99)
    return HAGANBatch(
        humans: randomTensor([n, config.humanChannels, s, s], seed: seed),
        labels: (0..<n).map { _ in rng.int(below: config.expressionCount) },
        characters: randomTensor([n, config.characterChannels, s, s], seed: seed &+ 1),
        neutralCharacters: randomTensor([n, config.characterChannels, s, s], seed: seed &+ 2),
        identities: (0..<n).map { _ in rng.int(below: config.characterCount) })
}

/// A small HA-GAN configuration for fast tests.
func smallConfig(size: Int = 32, humanChannels: Int = 1, characterChannels: Int = 1) -> HAGANConfig {
    var c = HAGANConfig()
    c.imageSize = size
    c.humanChannels = humanChannels
    c.characterChannels = characterChannels
    c.batchSize = 8
    return c
}
