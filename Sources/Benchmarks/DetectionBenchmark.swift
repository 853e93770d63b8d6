// Face detection speed (`exp data bench --detect`): dlib's detector and shape predictor on frames
// of a given size, on the calling thread, the way FaceAligner runs them (8-bit gray, the largest
// face's 68 landmarks). The frames are a dataset's images fitted into the size (aspect kept, gray
// borders), so the faces are the dataset's own.

import FaceData

public struct DetectionBenchmarkResult: Sendable {
    public var width: Int
    public var height: Int
    public var upsample: Int
    public var images: Int
    /// Images in which a face was found.
    public var found: Int
    public var seconds: Double
    public var perSecond: Double { Double(images) / seconds }
}

public enum DetectionBenchmark {
    /// Times `detector.detect` with `upsample` doublings on `count` frames of `width` x `height`
    /// made from `images` (cycling), after one untimed detection.
    public static func run(detector: FaceDetector, images: [Image], width: Int, height: Int, upsample: Int,
                           count: Int) throws -> DetectionBenchmarkResult {
        precondition(!images.isEmpty && count > 0, "DetectionBenchmark.run of no images")
        let frames = images.prefix(count).map { fit($0, width: width, height: height) }
        _ = try detector.detect(frames[0], upsample: upsample)
        var found = 0
        let seconds = try Measure.time {
            for k in 0..<count where !(try detector.detect(frames[k % frames.count], upsample: upsample)).isEmpty {
                found += 1
            }
        }.wall
        return DetectionBenchmarkResult(width: width, height: height, upsample: upsample, images: count, found: found, seconds: seconds)
    }

    /// `image` scaled to fit inside `width` x `height`, centred on mid-gray.
    public static func fit(_ image: Image, width: Int, height: Int) -> Image {
        let scale = min(Float(width) / Float(image.width), Float(height) / Float(image.height))
        let w = max(1, Int((Float(image.width) * scale).rounded())), h = max(1, Int((Float(image.height) * scale).rounded()))
        let scaled = image.resized(width: w, height: h)
        var frame = Image(width: width, height: height, channels: image.channels, value: 0.5)
        let x0 = (width - w) / 2, y0 = (height - h) / 2
        for c in 0..<image.channels {
            for y in 0..<h {
                for x in 0..<w { frame[c, y0 + y, x0 + x] = scaled[c, y, x] }
            }
        }
        return frame
    }
}
