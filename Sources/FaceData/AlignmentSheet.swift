// AlignmentSheet: a picture to check alignment by eye (`exp data align --sheet`). One tile per
// sampled image: the source frame with dlib's box (green), the 68 landmarks (red) and the two eye
// centres (blue), beside the aligned face image with the target eye positions marked (blue), so
// a wrong box, stray landmarks or a tilted result show at a glance. A frame without a face gets a
// red border and its whole-frame resize.

import Foundation

public enum AlignmentSheet {
    /// `count` sample indices spread evenly over `total` (all of them when there are fewer).
    public static func sampleIndices(count: Int, of total: Int) -> [Int] {
        guard total > count else { return Array(0..<total) }
        return (0..<count).map { $0 * total / count }
    }

    /// The sheet of `indices` in `columns` columns; frames are fitted into `height` x 4/3 `height`,
    /// faces shown at `height` x `height`.
    public static func make(_ dataset: Dataset, indices: [Int], preprocessor: Preprocessor, height: Int = 180,
                            columns: Int = 2) throws -> Image {
        precondition(!indices.isEmpty && columns > 0 && height >= 16, "AlignmentSheet.make(\(indices.count) images, \(columns) columns)")
        let frameWidth = height * 4 / 3, gap = 6
        let tileWidth = frameWidth + gap + height
        let rows = (indices.count + columns - 1) / columns
        var sheet = Image(width: columns * tileWidth + (columns + 1) * gap, height: rows * height + (rows + 1) * gap,
                          channels: 3, value: 1)
        for (n, i) in indices.enumerated() {
            let sample = dataset.samples[i]
            let frame: Image
            switch sample.source {
            case .file(let path): frame = try Image(contentsOf: path).toRGB()
            case .memory(let image): frame = image.toRGB()
            }
            let x0 = gap + (n % columns) * (tileWidth + gap), y0 = gap + (n / columns) * (height + gap)
            // The frame, fitted and centred in its box.
            let scale = min(Float(frameWidth) / Float(frame.width), Float(height) / Float(frame.height))
            let w = max(1, Int((Float(frame.width) * scale).rounded())), h = max(1, Int((Float(frame.height) * scale).rounded()))
            let fx = x0 + (frameWidth - w) / 2, fy = y0 + (height - h) / 2
            paste(frame.resized(width: w, height: h), into: &sheet, x: fx, y: fy)
            let sx = Float(w) / Float(frame.width), sy = Float(h) / Float(frame.height)
            func map(_ p: Point) -> (Float, Float) { (Float(fx) + (p.x + 0.5) * sx - 0.5, Float(fy) + (p.y + 0.5) * sy - 0.5) }
            if let box = sample.faceBox {
                let (l, t) = map(Point(x: box.left, y: box.top)), (r, b) = map(Point(x: box.right - 1, y: box.bottom - 1))
                rectangle(&sheet, left: Int(l.rounded()), top: Int(t.rounded()), right: Int(r.rounded()), bottom: Int(b.rounded()),
                          color: (0.1, 0.85, 0.1))
            }
            if let points = sample.landmarks {
                for p in points {
                    let (x, y) = map(p)
                    dot(&sheet, x: Int(x.rounded()), y: Int(y.rounded()), radius: 1, color: (1, 0.1, 0.1))
                }
                let (left, right) = FaceLandmarks.eyeCentres(points)
                for eye in [left, right] {
                    let (x, y) = map(eye)
                    cross(&sheet, x: Int(x.rounded()), y: Int(y.rounded()), size: 4, color: (0.15, 0.35, 1))
                }
            } else {
                rectangle(&sheet, left: fx, top: fy, right: fx + w - 1, bottom: fy + h - 1, color: (1, 0, 0))
                rectangle(&sheet, left: fx + 1, top: fy + 1, right: fx + w - 2, bottom: fy + h - 2, color: (1, 0, 0))
            }
            // The aligned face, enlarged, with the target eye positions.
            let face = try preprocessor.image(for: sample).toRGB().resized(width: height, height: height)
            let ax = x0 + frameWidth + gap
            paste(face, into: &sheet, x: ax, y: y0)
            if sample.landmarks != nil {
                for eye in [preprocessor.eyes.left, preprocessor.eyes.right] {
                    cross(&sheet, x: ax + Int((eye.x * Float(height)).rounded()), y: y0 + Int((eye.y * Float(height)).rounded()),
                          size: 4, color: (0.15, 0.35, 1))
                }
            }
        }
        return sheet
    }

    private typealias Color = (Float, Float, Float)

    private static func paste(_ image: Image, into sheet: inout Image, x: Int, y: Int) {
        for c in 0..<3 {
            for row in 0..<image.height where y + row >= 0 && y + row < sheet.height {
                for col in 0..<image.width where x + col >= 0 && x + col < sheet.width {
                    sheet[c, y + row, x + col] = image[image.channels == 1 ? 0 : c, row, col]
                }
            }
        }
    }

    private static func set(_ sheet: inout Image, _ x: Int, _ y: Int, _ color: Color) {
        guard x >= 0 && y >= 0 && x < sheet.width && y < sheet.height else { return }
        sheet[0, y, x] = color.0
        sheet[1, y, x] = color.1
        sheet[2, y, x] = color.2
    }

    private static func rectangle(_ sheet: inout Image, left: Int, top: Int, right: Int, bottom: Int, color: Color) {
        for x in left...max(left, right) {
            set(&sheet, x, top, color)
            set(&sheet, x, bottom, color)
        }
        for y in top...max(top, bottom) {
            set(&sheet, left, y, color)
            set(&sheet, right, y, color)
        }
    }

    private static func dot(_ sheet: inout Image, x: Int, y: Int, radius: Int, color: Color) {
        for dy in -radius...radius {
            for dx in -radius...radius where dx * dx + dy * dy <= radius * radius + 1 { set(&sheet, x + dx, y + dy, color) }
        }
    }

    private static func cross(_ sheet: inout Image, x: Int, y: Int, size: Int, color: Color) {
        for d in -size...size {
            set(&sheet, x + d, y, color)
            set(&sheet, x, y + d, color)
        }
    }
}
