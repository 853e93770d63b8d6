// Sample grids: for fixed test images and fixed z, each human input beside the character image the
// generator makes of it, as one planar image buffer in [0, 1] (the data module writes it as PNG).

import NN

/// A planar (channel-major) Float image in [0, 1]: channel c, row y, column x at (c * height + y) * width + x.
/// The same layout as FaceData's `Image`.
public struct SampleGrid: Equatable, Sendable {
    public let width: Int, height: Int, channels: Int
    public var pixels: [Float]
}

extension HAGANTrainer {
    /// One row per human image [N, C, S, S]: the input on the left, G(I_HE, Id, z_i) on the right,
    /// with z_i the i-th draw of a fresh "sample-noise" stream (the same every epoch) and Id
    /// `config.testCharacter` unless given. Gray images are repeated on three channels when the
    /// other side is RGB.
    public func sampleGrid(_ humans: Tensor, identity: Int? = nil) -> SampleGrid {
        let n = humans.shape[0], s = config.imageSize
        var stream = random.child("sample-noise")
        let z = HAGANTrainer.drawNoise(count: n, config: config, from: &stream)
        let id = identity ?? config.testCharacter
        var generated: [Tensor] = []
        for i in 0..<n {
            let noise = Array(z.scalars[(i * config.noiseSize)..<((i + 1) * config.noiseSize)])
            generated.append(generate(rows(humans, i..<(i + 1)), identity: id, noise: noise))
        }
        let channels = max(config.humanChannels, config.characterChannels)
        var grid = SampleGrid(width: 2 * s, height: n * s, channels: channels,
                              pixels: [Float](repeating: 0, count: channels * 2 * s * n * s))
        func paste(_ image: Tensor, index: Int, row: Int, column: Int) {
            let c = image.shape[1]
            for ch in 0..<channels {
                let source = ch < c ? ch : 0
                for y in 0..<s {
                    for x in 0..<s {
                        let v = image.scalars[((index * c + source) * s + y) * s + x]
                        grid.pixels[(ch * grid.height + row * s + y) * grid.width + column * s + x] = min(1, max(0, (v + 1) / 2))
                    }
                }
            }
        }
        for i in 0..<n {
            paste(humans, index: i, row: i, column: 0)
            paste(generated[i], index: 0, row: i, column: 1)
        }
        return grid
    }
}
