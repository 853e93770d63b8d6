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
