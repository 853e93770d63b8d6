// The synthetic-face rasteriser: areas, anti-aliased edges, strokes, gradients, clipping.

import FaceData
import SyntheticFaces
import Testing

private func total(_ image: Image) -> Float { image.pixels.reduce(0, +) }

@Test func filledEllipseCoversItsArea() {
    var canvas = Canvas(width: 64, height: 64, channels: 1)
    canvas.fillEllipse(center: [32.3, 31.7], radii: [20, 12], angle: 0.4, .solid(.white))
    let area = Float.pi * 20 * 12
    #expect(abs(total(canvas.image) - area) / area < 0.01)
}

@Test func polygonEdgesAreAntiAliased() {
    var canvas = Canvas(width: 16, height: 16, channels: 1)
    // A square whose left edge sits halfway through column 4 and right edge on a pixel boundary.
    canvas.fill([[4.5, 2], [12, 2], [12, 10], [4.5, 10]], .solid(.white))
    let image = canvas.image
    #expect(abs(image[0, 5, 4] - 0.5) < 1e-4)
    #expect(image[0, 5, 5] == 1)
    #expect(image[0, 5, 12] == 0)
    #expect(image[0, 1, 6] == 0)
    #expect(abs(total(image) - 7.5 * 8) < 1e-3)
}

@Test func nonZeroWindingFillsOverlapsOnce() {
    var canvas = Canvas(width: 20, height: 20, channels: 1)
    // Two overlapping squares drawn as one path with the same orientation.
    canvas.fill([[2, 2], [12, 2], [12, 12], [2, 12], [2, 2], [8, 8], [18, 8], [18, 18], [8, 18], [8, 8]],
                .solid(.white))
    #expect(abs(total(canvas.image) - (100 + 100 - 16)) < 0.5)
    #expect(canvas.image[0, 10, 10] == 1)
}

@Test func strokeHasItsWidthAndRoundCaps() {
    var canvas = Canvas(width: 64, height: 32, channels: 1)
    canvas.stroke([[10, 16], [50, 16]], widths: [4], .solid(.white))
    // A 40 x 4 body plus two half discs of radius 2.
    let expected = 40 * 4 + Float.pi * 4
    #expect(abs(total(canvas.image) - expected) / expected < 0.03)
    var curve = Canvas(width: 64, height: 64, channels: 1)
    curve.strokeQuadratic([8, 50], [32, 0], [56, 50], width: 3, .solid(.white))
    #expect(curve.image[0, 25, 32] > 0.9)
    #expect(curve.image[0, 50, 32] == 0)
}

@Test func closedStrokeIsAWholeRing() {
    var canvas = Canvas(width: 32, height: 32, channels: 1)
    canvas.stroke([[6, 6], [26, 6], [26, 26], [6, 26]], widths: [2], closed: true, .solid(.white))
    // Mitred corners: the ring between a 22 x 22 and an 18 x 18 square.
    #expect(abs(total(canvas.image) - (22 * 22 - 18 * 18)) < 1)
    #expect(canvas.image[0, 16, 6] == 1 && canvas.image[0, 16, 16] == 0)
}

@Test func linearGradientRunsBetweenItsEnds() {
    var canvas = Canvas(width: 32, height: 4, channels: 3)
    canvas.fillAll(.linear(start: [0, 0], end: [32, 0], from: PaintColor(1, 0, 0), to: PaintColor(0, 0, 1)))
    let image = canvas.image
    #expect(image[0, 1, 0] > 0.95 && image[2, 1, 0] < 0.05)
    #expect(image[0, 1, 31] < 0.05 && image[2, 1, 31] > 0.95)
    #expect(abs(image[0, 1, 16] - image[2, 1, 15]) < 0.05)
}

@Test func clipMaskLimitsAFill() {
    var canvas = Canvas(width: 32, height: 32, channels: 1)
    let clip = canvas.mask([[0, 0], [16, 0], [16, 32], [0, 32]])
    canvas.fillEllipse(center: [16, 16], radii: [10, 10], .solid(.white), clip: clip)
    let area = Float.pi * 100 / 2
    #expect(abs(total(canvas.image) - area) / area < 0.02)
    #expect(canvas.image[0, 16, 20] == 0)
}

@Test func grayCanvasUsesLuma() {
    var canvas = Canvas(width: 4, height: 4, channels: 1)
    canvas.fillAll(.solid(PaintColor(1, 0, 0)))
    #expect(abs(canvas.image[0, 2, 2] - 0.299) < 1e-5)
}
