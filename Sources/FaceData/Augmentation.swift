// The paper's augmentation (section 5.1), computed on the fly and never stored: crops of
// `cropSize` at the four corners and the centre of the face image, each unrotated or rotated by
// +-30, 60, 90, 120, 150 degrees, each then optionally flipped horizontally:
// 5 x 11 x 2 = 110 variants per training image. Test images get the unrotated centre crop.
// A variant is rendered in one pass: every output pixel is mapped back through the flip and the
// rotation (about the crop's centre) into the face image and sampled bilinearly, so rotated corners
// take real pixels from around the crop and clamp only at the image border.

import Foundation

public enum CropPosition: String, Codable, CaseIterable, Sendable {
    case topLeft, topRight, bottomLeft, bottomRight, centre
}

/// One augmented view of an image.
public struct Variant: Equatable, Hashable, Sendable {
    public var crop: CropPosition
    /// Degrees, counter-clockwise as displayed.
    public var angle: Float
    public var flipped: Bool
    public init(crop: CropPosition, angle: Float, flipped: Bool) {
        self.crop = crop
        self.angle = angle
        self.flipped = flipped
    }
}

public struct Augmentation: Equatable, Codable, Sendable {
    public var cropSize: Int
    public var crops: [CropPosition]
    /// Rotation angles in degrees; include 0 for the unrotated crop.
    public var angles: [Float]
    /// Adds the horizontally flipped copy of every crop and rotation.
    public var flip: Bool

    public init(cropSize: Int, crops: [CropPosition], angles: [Float], flip: Bool) {
        precondition(cropSize > 0 && !crops.isEmpty && !angles.isEmpty,
                     "Augmentation needs a positive crop size (\(cropSize)), crops (\(crops.count)) and angles (\(angles.count))")
        self.cropSize = cropSize
        self.crops = crops
        self.angles = angles
        self.flip = flip
    }

    public static let paperAngles: [Float] = [0, -150, -120, -90, -60, -30, 30, 60, 90, 120, 150]

    /// Section 5.1: 5 crops x 11 angles x 2 flips = 110 variants (75x75 crops in the paper).
    public static func paper(cropSize: Int = 75) -> Augmentation {
        Augmentation(cropSize: cropSize, crops: CropPosition.allCases, angles: paperAngles, flip: true)
    }

    /// The centre crop alone (no augmentation; what test images get).
    public static func centreOnly(cropSize: Int = 75) -> Augmentation {
        Augmentation(cropSize: cropSize, crops: [.centre], angles: [0], flip: false)
    }

    public var variantCount: Int { crops.count * angles.count * (flip ? 2 : 1) }

    /// Variant `index` in 0..<variantCount: crop-major, then angle, then flip.
    public func variant(_ index: Int) -> Variant {
        precondition(index >= 0 && index < variantCount, "variant \(index) outside 0..<\(variantCount)")
        let flips = flip ? 2 : 1
        return Variant(crop: crops[index / (angles.count * flips)], angle: angles[(index / flips) % angles.count],
                       flipped: flips == 2 && index % 2 == 1)
    }

    /// The test view: the unrotated, unflipped centre crop.
    public func testImage(_ image: Image) -> Image {
        apply(Variant(crop: .centre, angle: 0, flipped: false), to: image)
    }

    /// Renders a `cropSize` x `cropSize` variant of `image` (which must be at least that large).
    public func apply(_ variant: Variant, to image: Image) -> Image {
        precondition(image.width >= cropSize && image.height >= cropSize,
                     "crop \(cropSize) larger than the image \(image.width)x\(image.height)")
        let n = cropSize
        let (ox, oy): (Int, Int)
        switch variant.crop {
        case .topLeft: (ox, oy) = (0, 0)
        case .topRight: (ox, oy) = (image.width - n, 0)
        case .bottomLeft: (ox, oy) = (0, image.height - n)
        case .bottomRight: (ox, oy) = (image.width - n, image.height - n)
        case .centre: (ox, oy) = ((image.width - n) / 2, (image.height - n) / 2)
        }
        let radians = Double(variant.angle) * Double.pi / 180
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
                        let dx = (variant.flipped ? Float(n - 1 - x) : Float(x)) - centre
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
