// Image: a planar (channel-major) Float image, values in [0, 1], 1 (gray) or 3 (RGB) channels.
// The common currency of the codecs, preprocessing, augmentation and the synthetic face renderer;
// `tensor` converts a batch to the engine's NCHW layout in [-1, 1].

import NN

public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// Planar pixels: channel c, row y, column x at `(c * height + y) * width + x`.
    public var pixels: [Float]

    public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
        precondition(width > 0 && height > 0 && (channels == 1 || channels == 3),
                     "Image \(width)x\(height) with \(channels) channels: need positive size and 1 or 3 channels")
        precondition(pixels.count == width * height * channels,
                     "Image \(width)x\(height)x\(channels) needs \(width * height * channels) pixels, got \(pixels.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// A constant image.
    public init(width: Int, height: Int, channels: Int, value: Float = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [Float](repeating: value, count: width * height * channels))
    }

    @inlinable
    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { pixels[(c * height + y) * width + x] }
        set { pixels[(c * height + y) * width + x] = newValue }
    }
}

extension Image {
    /// Stacks images of one size into an NCHW tensor, mapping [0, 1] to [-1, 1].
    public static func tensor(_ images: [Image]) -> Tensor {
        precondition(!images.isEmpty, "Image.tensor of no images")
        let f = images[0]
        precondition(images.allSatisfy { $0.width == f.width && $0.height == f.height && $0.channels == f.channels },
                     "Image.tensor: images differ in size or channels")
        var t = Tensor(zeros: [images.count, f.channels, f.height, f.width])
        let per = f.pixels.count
        for (i, im) in images.enumerated() {
            for j in 0..<per { t.scalars[i * per + j] = im.pixels[j] * 2 - 1 }
        }
        return t
    }
}
