// The renderer of the spec's augmentation (section 5.1; the choice itself is Vocabulary's
// `Augmentation`), computed on the fly and never stored: crops of `cropSize` at the four corners
// and the centre of the face image, each unrotated or rotated by +-30, 60, 90, 120, 150 degrees,
// each then optionally flipped horizontally: 5 x 11 x 2 = 110 variants per training image for
// `paper110`. Test images get the unrotated centre crop.
// A variant is rendered in one pass: every output pixel is mapped back through the flip and the
// rotation (about the crop's centre) into the face image and sampled bilinearly, so rotated corners
// take real pixels from around the crop and clamp only at the image border.

import Foundation
import Vocabulary

/// Draws the variants of an `Augmentation` at a crop size.
public struct Augmenter: Equatable, Sendable {
    public var augmentation: Augmentation
    public var cropSize: Int

    public init(_ augmentation: Augmentation, cropSize: Int) {
        precondition(cropSize > 0, "Augmenter needs a positive crop size (\(cropSize))")
        precondition(augmentation.notAProduct == nil, "augmentation \(augmentation) is not a product of crops x rotations x flips")
        self.augmentation = augmentation
        self.cropSize = cropSize
    }

    public var variantCount: Int { augmentation.variantCount }

    /// Variant `index` in 0..<variantCount: crop-major, then rotation, then flip.
    public func variant(_ index: Int) -> AugmentationVariant { augmentation.variant(index) }

    /// The test view: the unrotated, unflipped centre crop.
    public func testImage(_ image: Image) -> Image {
        apply(.test, to: image)
    }

    /// Renders a `cropSize` x `cropSize` variant of `image` (which must be at least that large).
    public func apply(_ variant: AugmentationVariant, to image: Image) -> Image {
        precondition(image.width >= cropSize && image.height >= cropSize,
                     "crop \(cropSize) larger than the image \(image.width)x\(image.height)")
        let n = cropSize
        let (ox, oy): (Int, Int)
        switch variant.crop {
        case .topLeft: (ox, oy) = (0, 0)
        case .topRight: (ox, oy) = (image.width - n, 0)
        case .bottomLeft: (ox, oy) = (0, image.height - n)
        case .bottomRight: (ox, oy) = (image.width - n, image.height - n)
        case .center: (ox, oy) = ((image.width - n) / 2, (image.height - n) / 2)
        }
        let radians = Double(variant.rotation) * Double.pi / 180
        let cosine = Self.snapped(cos(radians)), sine = Self.snapped(sin(radians))
        let centre = Float(n - 1) / 2
        let w = image.width, h = image.height
        let maxX = Float(w - 1), maxY = Float(h - 1)
        var out = [Float](repeating: 0, count: n * n * image.channels)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<n {
                    let dy = Float(y) - centre
                    for x in 0..<n {
                        // Flip after rotation: output column x shows rotated column n-1-x.
                        let dx = (variant.flip ? Float(n - 1 - x) : Float(x)) - centre
                        let sx = min(max(Float(ox) + centre + cosine * dx - sine * dy, 0), maxX)
                        let sy = min(max(Float(oy) + centre + sine * dx + cosine * dy, 0), maxY)
                        let x0 = Int(sx), y0 = Int(sy)
                        let x1 = min(x0 + 1, w - 1), y1 = min(y0 + 1, h - 1)
                        let ax = sx - Float(x0), ay = sy - Float(y0)
                        for c in 0..<image.channels {
                            let base = c * w * h
                            let top = src[base + y0 * w + x0] + ax * (src[base + y0 * w + x1] - src[base + y0 * w + x0])
                            let bottom = src[base + y1 * w + x0] + ax * (src[base + y1 * w + x1] - src[base + y1 * w + x0])
                            dst[(c * n + y) * n + x] = top + ay * (bottom - top)
                        }
                    }
                }
            }
        }
        return Image(width: n, height: n, channels: image.channels, pixels: out)
    }

    /// Exact 0 and +-1 for multiples of 90 degrees, so right-angle rotations are pixel-exact.
    private static func snapped(_ value: Double) -> Float {
        let r = value.rounded()
        return abs(value - r) < 1e-9 ? Float(r) : Float(value)
    }
}
