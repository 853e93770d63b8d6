// Preprocessing (section 5.1): colour conversion, resizing (bilinear when enlarging, area
// averaging when shrinking, chosen per axis), landmark alignment (eye centres to fixed positions by a
// similarity transform) and the whole path from a sample to a square face image.

import Foundation

extension Image {
    /// Gray by ITU-R BT.601 luma; a gray image is returned unchanged.
    public func toGray() -> Image {
        guard channels == 3 else { return self }
        let n = width * height
        var out = [Float](repeating: 0, count: n)
        pixels.withUnsafeBufferPointer { p in
            for i in 0..<n { out[i] = 0.299 * p[i] + 0.587 * p[n + i] + 0.114 * p[2 * n + i] }
        }
        return Image(width: width, height: height, channels: 1, pixels: out)
    }

    /// RGB by repeating the gray plane; an RGB image is returned unchanged.
    public func toRGB() -> Image {
        guard channels == 1 else { return self }
        return Image(width: width, height: height, channels: 3, pixels: pixels + pixels + pixels)
    }

    public func converted(toChannels count: Int) -> Image {
        precondition(count == 1 || count == 3, "converted(toChannels:) takes 1 or 3, got \(count)")
        return count == 1 ? toGray() : toRGB()
    }

    /// Resized to `newWidth` x `newHeight`, separably: area averaging along an axis that shrinks,
    /// bilinear interpolation (pixel centres aligned) along one that grows or keeps its size.
    public func resized(width newWidth: Int, height newHeight: Int) -> Image {
        precondition(newWidth > 0 && newHeight > 0, "resized to \(newWidth)x\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        let horizontal = Resampling.taps(from: width, to: newWidth)
        let vertical = Resampling.taps(from: height, to: newHeight)
        var out = [Float](repeating: 0, count: newWidth * newHeight * channels)
        var rows = [Float](repeating: 0, count: newWidth * height)
        pixels.withUnsafeBufferPointer { src in
            rows.withUnsafeMutableBufferPointer { rowBuffer in
                out.withUnsafeMutableBufferPointer { dst in
                    let h = horizontal.count, v = vertical.count
                    for c in 0..<channels {
                        let plane = src.baseAddress! + c * width * height
                        for y in 0..<height {
                            let line = plane + y * width
                            for x in 0..<newWidth {
                                var sum: Float = 0
                                for t in 0..<h {
                                    sum += horizontal.weights[x * h + t] * line[horizontal.indices[x * h + t]]
                                }
                                rowBuffer[y * newWidth + x] = sum
                            }
                        }
                        let outPlane = dst.baseAddress! + c * newWidth * newHeight
                        for y in 0..<newHeight {
                            let target = outPlane + y * newWidth
                            for t in 0..<v {
                                let w = vertical.weights[y * v + t]
                                if w == 0 { continue }
                                let row = rowBuffer.baseAddress! + vertical.indices[y * v + t] * newWidth
                                for x in 0..<newWidth { target[x] += w * row[x] }
                            }
                        }
                    }
                }
            }
        }
        return Image(width: newWidth, height: newHeight, channels: channels, pixels: out)
    }

    /// The rectangle at (x, y) of the given size, which must lie inside the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Image {
        precondition(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= width && y + h <= height,
                     "crop \(w)x\(h) at (\(x), \(y)) outside the \(width)x\(height) image")
        var out = [Float](repeating: 0, count: w * h * channels)
        for c in 0..<channels {
            for row in 0..<h {
                let from = (c * height + y + row) * width + x
                out.replaceSubrange((c * h + row) * w..<(c * h + row) * w + w, with: pixels[from..<from + w])
            }
        }
        return Image(width: w, height: h, channels: channels, pixels: out)
    }

    /// Bilinear sample at (x, y) in pixel coordinates of channel `c`, clamping to the border.
    @inlinable
    func bilinear(_ c: Int, _ x: Float, _ y: Float) -> Float {
        let fx = min(max(x, 0), Float(width - 1))
        let fy = min(max(y, 0), Float(height - 1))
        let x0 = Int(fx), y0 = Int(fy)
        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
        let ax = fx - Float(x0), ay = fy - Float(y0)
        let base = c * width * height
        let top = pixels[base + y0 * width + x0] * (1 - ax) + pixels[base + y0 * width + x1] * ax
        let bottom = pixels[base + y1 * width + x0] * (1 - ax) + pixels[base + y1 * width + x1] * ax
        return top * (1 - ay) + bottom * ay
    }

    /// A `size` x `size` face with the eye centres moved to `eyes.left` and `eyes.right` (fractions
    /// of the output size) by the similarity transform (rotation, uniform scale, translation) that
    /// the two eye centres define.
    public func aligned(landmarks: [Point], size: Int, eyes: EyePositions = .standard) -> Image {
        let (sourceLeft, sourceRight) = FaceLandmarks.eyeCentres(landmarks)
        let s = Float(size)
        let targetLeft = Point(x: eyes.left.x * s, y: eyes.left.y * s)
        let targetRight = Point(x: eyes.right.x * s, y: eyes.right.y * s)
        // Output-to-source map: source = sourceLeft + k * (output - targetLeft) with k the complex
        // ratio (sourceRight - sourceLeft) / (targetRight - targetLeft).
        let dx = targetRight.x - targetLeft.x, dy = targetRight.y - targetLeft.y
        let sx = sourceRight.x - sourceLeft.x, sy = sourceRight.y - sourceLeft.y
        let norm = dx * dx + dy * dy
        let kr = (sx * dx + sy * dy) / norm
        let ki = (sy * dx - sx * dy) / norm
        var out = [Float](repeating: 0, count: size * size * channels)
        for c in 0..<channels {
            for y in 0..<size {
                for x in 0..<size {
                    let ox = Float(x) - targetLeft.x, oy = Float(y) - targetLeft.y
                    let px = sourceLeft.x + kr * ox - ki * oy
                    let py = sourceLeft.y + ki * ox + kr * oy
                    out[(c * size + y) * size + x] = bilinear(c, px, py)
                }
            }
        }
        return Image(width: size, height: size, channels: channels, pixels: out)
    }
}

/// Where alignment puts the eye centres, as fractions of the output width and height.
public struct EyePositions: Equatable, Codable, Sendable {
    public var left: Point
    public var right: Point
    public init(left: Point, right: Point) {
        self.left = left
        self.right = right
    }

    /// Eyes 40% of the width apart, 40% down: the face fills the frame from brows to chin.
    public static let standard = EyePositions(left: Point(x: 0.3, y: 0.4), right: Point(x: 0.7, y: 0.4))
}

enum Resampling {
    /// For each output index along one axis, `count` (input index, weight) taps stored flat
    /// (`indices[o * count + t]`), unused taps padded with weight 0.
    struct Taps {
        var count: Int
        var indices: [Int]
        var weights: [Float]
    }

    static func taps(from input: Int, to output: Int) -> Taps {
        let lists = weights(from: input, to: output)
        let count = lists.map(\.count).max() ?? 1
        var indices = [Int](repeating: 0, count: output * count)
        var weights = [Float](repeating: 0, count: output * count)
        for (o, list) in lists.enumerated() {
            for (t, (i, w)) in list.enumerated() {
                indices[o * count + t] = i
                weights[o * count + t] = w
            }
            for t in list.count..<count { indices[o * count + t] = list.last?.0 ?? 0 }
        }
        return Taps(count: count, indices: indices, weights: weights)
    }

    /// For each output index, the (input index, weight) pairs along one axis.
    static func weights(from input: Int, to output: Int) -> [[(Int, Float)]] {
        let scale = Float(input) / Float(output)
        if output < input {
            // Area averaging: output pixel o covers input span [o * scale, (o + 1) * scale).
            return (0..<output).map { o in
                let start = Float(o) * scale, end = Float(o + 1) * scale
                var pairs: [(Int, Float)] = []
                var i = Int(start)
                while Float(i) < end && i < input {
                    let overlap = min(end, Float(i + 1)) - max(start, Float(i))
                    if overlap > 0 { pairs.append((i, overlap / scale)) }
                    i += 1
                }
                return pairs
            }
        }
        return (0..<output).map { o in
            let position = min(max((Float(o) + 0.5) * scale - 0.5, 0), Float(input - 1))
            let i0 = Int(position)
            let i1 = min(i0 + 1, input - 1)
            let a = position - Float(i0)
            return a == 0 || i0 == i1 ? [(i0, Float(1))] : [(i0, 1 - a), (i1, a)]
        }
    }
}

/// From a sample to the square face image that augmentation crops: decode, convert channels,
/// align when the sample has landmarks (else take the image as an already-cropped face), resize
/// (section 5.1: aligned faces, then 75x75 crops).
public struct Preprocessor: Equatable, Sendable {
    public var channels: Int
    /// Side of the square face image (the paper crops 75x75 patches from it).
    public var imageSize: Int
    public var eyes: EyePositions

    public init(channels: Int = 1, imageSize: Int = 80, eyes: EyePositions = .standard) {
        precondition(channels == 1 || channels == 3, "Preprocessor channels must be 1 or 3, got \(channels)")
        precondition(imageSize > 0, "Preprocessor imageSize must be positive, got \(imageSize)")
        self.channels = channels
        self.imageSize = imageSize
        self.eyes = eyes
    }

    /// The sample's face image: read from its face cache entry when `FaceAligner` made one (the
    /// same bits `prepare` gives), else decoded and prepared; a damaged entry is written again.
    public func image(for sample: Sample) throws -> Image {
        if let entry = sample.cachedFace, let face = FaceCache.readFace(entry, size: imageSize, channels: channels) {
            return face
        }
        let decoded: Image
        switch sample.source {
        case .file(let path): decoded = try Image(contentsOf: path)
        case .memory(let image): decoded = image
        }
        let face = prepare(decoded, landmarks: sample.landmarks)
        if let entry = sample.cachedFace { try FaceCache.writeFace(face, to: entry) }
        return face
    }

    public func prepare(_ image: Image, landmarks: [Point]?) -> Image {
        let converted = image.converted(toChannels: channels)
        if let landmarks {
            // Shrink first when the face is much larger than the output so that the warp, which
            // samples bilinearly, does not alias; landmarks scale with it.
            let (l, r) = FaceLandmarks.eyeCentres(landmarks)
            let eyeDistance = hypot(r.x - l.x, r.y - l.y)
            let wanted = (eyes.right.x - eyes.left.x) * Float(imageSize)
            let factor = wanted / max(eyeDistance, 1)
            if factor < 0.5 {
                // Only the output's footprint in the source is needed: crop the square around the
                // eyes' midpoint that holds every output corner, then shrink it to twice the output
                // scale.
                let midX = (l.x + r.x) / 2, midY = (l.y + r.y) / 2
                let mx = (eyes.left.x + eyes.right.x) / 2, my = (eyes.left.y + eyes.right.y) / 2
                let corner = hypot(max(mx, 1 - mx), max(my, 1 - my)) * Float(imageSize)
                let reach = corner / factor + 2
                let x0 = max(Int(midX - reach), 0), y0 = max(Int(midY - reach), 0)
                let x1 = min(Int(midX + reach) + 1, converted.width), y1 = min(Int(midY + reach) + 1, converted.height)
                let face = x1 - x0 > 1 && y1 - y0 > 1 ? converted.cropped(x: x0, y: y0, width: x1 - x0, height: y1 - y0) : converted
                let shifted = face.width == converted.width && face.height == converted.height
                    ? landmarks : landmarks.map { Point(x: $0.x - Float(x0), y: $0.y - Float(y0)) }
                let w = max(Int((Float(face.width) * factor * 2).rounded()), 1)
                let h = max(Int((Float(face.height) * factor * 2).rounded()), 1)
                let sx = Float(w) / Float(face.width), sy = Float(h) / Float(face.height)
                let scaled = shifted.map { Point(x: ($0.x + 0.5) * sx - 0.5, y: ($0.y + 0.5) * sy - 0.5) }
                return face.resized(width: w, height: h).aligned(landmarks: scaled, size: imageSize, eyes: eyes)
            }
            return converted.aligned(landmarks: landmarks, size: imageSize, eyes: eyes)
        }
        return converted.resized(width: imageSize, height: imageSize)
    }
}
