// Preprocessing: colour conversion, resizing (area averaging when shrinking, bilinear when
// enlarging) and landmark alignment putting the eye centres where asked.

import FaceData
import Testing

@Test func grayAndRGBConversions() {
    let rgb = Image(width: 1, height: 1, channels: 3, pixels: [1, 0, 0])
    #expect(abs(rgb.toGray().pixels[0] - 0.299) < 1e-6)
    let gray = Image(width: 2, height: 1, channels: 1, pixels: [0.25, 0.5])
    #expect(gray.toRGB().pixels == [0.25, 0.5, 0.25, 0.5, 0.25, 0.5])
    #expect(gray.toRGB().toGray().pixels.enumerated().allSatisfy { abs($0.element - gray.pixels[$0.offset]) < 1e-6 })
}

@Test func shrinkingAveragesAreas() {
    let image = Image(width: 4, height: 4, channels: 1, pixels: (0..<16).map(Float.init))
    let half = image.resized(width: 2, height: 2)
    // Each output pixel is the mean of a 2x2 block.
    #expect(half.pixels == [2.5, 4.5, 10.5, 12.5])
    let third = Image(width: 3, height: 1, channels: 1, pixels: [0, 3, 6]).resized(width: 2, height: 1)
    // Spans [0, 1.5) and [1.5, 3): (0 + 0.5 * 3) / 1.5 = 1 and (0.5 * 3 + 6) / 1.5 = 5.
    #expect(third.pixels.map { ($0 * 1000).rounded() / 1000 } == [1, 5])
}

@Test func enlargingInterpolatesBilinearly() {
    let image = Image(width: 2, height: 1, channels: 1, pixels: [0, 1])
    let wide = image.resized(width: 4, height: 1)
    // Pixel centres aligned: positions -0.25, 0.25, 0.75, 1.25 clamp to [0, 1].
    #expect(wide.pixels == [0, 0.25, 0.75, 1])
    let constant = Image(width: 3, height: 5, channels: 3, value: 0.4).resized(width: 7, height: 2)
    #expect(constant.pixels.allSatisfy { abs($0 - 0.4) < 1e-6 })
}

@Test func alignmentMovesEyeCentresToTheirTargets() {
    // A 60x60 image with bright dots at the eye centres (20, 30) and (36, 26): a tilted face.
    var image = Image(width: 60, height: 60, channels: 1)
    image[0, 30, 20] = 1
    image[0, 26, 36] = 1
    var points = [Point](repeating: Point(x: 30, y: 40), count: 68)
    for i in 36...41 { points[i] = Point(x: 20, y: 30) }
    for i in 42...47 { points[i] = Point(x: 36, y: 26) }
    let eyes = EyePositions(left: Point(x: 0.25, y: 0.4), right: Point(x: 0.75, y: 0.4))
    let aligned = image.aligned(landmarks: points, size: 40, eyes: eyes)
    // Targets (10, 16) and (30, 16) in the 40x40 output.
    #expect(aligned[0, 16, 10] > 0.9)
    #expect(aligned[0, 16, 30] > 0.9)
    #expect(aligned.pixels.filter { $0 > 0.5 }.count == 2)
    let prepared = Preprocessor(channels: 3, imageSize: 40, eyes: eyes).prepare(image, landmarks: points)
    #expect(prepared.channels == 3 && prepared[2, 16, 30] > 0.9)
}

@Test func alignmentOfALargeFaceCropsAndShrinksFirst() {
    // 300x240 image, 9x9 bright squares centred on the eyes at (90, 130) and (210, 110): the face is
    // about 7x larger than the 40x40 output, so the preprocessor crops and shrinks before warping.
    var image = Image(width: 300, height: 240, channels: 1)
    for (cx, cy) in [(90, 130), (210, 110)] {
        for y in (cy - 4)...(cy + 4) { for x in (cx - 4)...(cx + 4) { image[0, y, x] = 1 } }
    }
    var points = [Point](repeating: Point(x: 150, y: 200), count: 68)
    for i in 36...41 { points[i] = Point(x: 90, y: 130) }
    for i in 42...47 { points[i] = Point(x: 210, y: 110) }
    let out = Preprocessor(channels: 1, imageSize: 40).prepare(image, landmarks: points)
    // Targets (12, 16) and (28, 16); the brightest pixel of each half is on its target.
    func brightest(_ xs: Range<Int>) -> (Int, Int) {
        var best = (0, 0, Float(-1))
        for y in 0..<40 { for x in xs where out[0, y, x] > best.2 { best = (x, y, out[0, y, x]) } }
        return (best.0, best.1)
    }
    let left = brightest(0..<20), right = brightest(20..<40)
    #expect(abs(left.0 - 12) <= 1 && abs(left.1 - 16) <= 1, "left eye at \(left)")
    #expect(abs(right.0 - 28) <= 1 && abs(right.1 - 16) <= 1, "right eye at \(right)")
    #expect(out[0, 16, 12] > 0.5 && out[0, 16, 28] > 0.5)
    #expect(out[0, 35, 20] < 0.05)
    // Same result as aligning the full image directly, up to the smoothing of the shrink.
    let direct = image.aligned(landmarks: points, size: 40)
    #expect(direct[0, 16, 12] > 0.9 && direct[0, 16, 28] > 0.9)
}
