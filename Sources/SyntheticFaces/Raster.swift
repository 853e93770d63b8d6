// Canvas: a small anti-aliased 2-D rasteriser for the synthetic faces. Filled paths (non-zero
// winding, so polygons, ellipses and stroke outlines share one scan converter), stroked polylines and
// quadratic / cubic curves with a width that may vary along the curve, solid or linear-gradient paint,
// optional clipping by a coverage mask. Gray or RGB, any size; `image` hands the pixels over as an
// `Image` (planar, [0, 1]).
//
// Anti-aliasing: each pixel row is sampled on `subRows` horizontal sub-scanlines; on each one the
// covered spans add their exact horizontal overlap with every pixel, so coverage is an area estimate,
// exact horizontally and 1/subRows-quantised vertically.

import FaceData

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An RGB colour with components in [0, 1].
public struct PaintColor: Equatable, Sendable {
    public var r: Float, g: Float, b: Float

    public init(_ r: Float, _ g: Float, _ b: Float) {
        self.r = r
        self.g = g
        self.b = b
    }

    public init(gray: Float) { self.init(gray, gray, gray) }

    /// Rec. 601 luma, used when drawing on a gray canvas.
    public var luma: Float { 0.299 * r + 0.587 * g + 0.114 * b }

    /// Linear blend: `self` at t = 0, `other` at t = 1.
    public func mixed(with other: PaintColor, _ t: Float) -> PaintColor {
        PaintColor(r + (other.r - r) * t, g + (other.g - g) * t, b + (other.b - b) * t)
    }

    /// Every component multiplied by `f` (f < 1 darkens), clamped to [0, 1].
    public func scaled(_ f: Float) -> PaintColor {
        PaintColor(min(1, r * f), min(1, g * f), min(1, b * f))
    }

    public static let black = PaintColor(gray: 0)
    public static let white = PaintColor(gray: 1)
}

/// What a shape is filled with.
public enum Paint: Sendable {
    case solid(PaintColor)
    /// Colour `from` at point `start`, `to` at point `end`, constant along lines perpendicular to
    /// the segment, clamped beyond its ends.
    case linear(start: SIMD2<Float>, end: SIMD2<Float>, from: PaintColor, to: PaintColor)
}

/// Coverage in [0, 1] over a rectangle of canvas pixels; zero outside it. Used to clip a fill.
public struct CoverageMask: Sendable {
    public let x0: Int, y0: Int, width: Int, height: Int
    public var values: [Float]

    @inline(__always)
    func coverage(x: Int, y: Int) -> Float {
        let lx = x - x0, ly = y - y0
        if lx < 0 || ly < 0 || lx >= width || ly >= height { return 0 }
        return values[ly * width + lx]
    }
}

public struct Canvas {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// Planar pixels, as in `Image`.
    public private(set) var pixels: [Float]
    /// Vertical sub-scanlines per pixel row.
    public var subRows = 4

    public init(width: Int, height: Int, channels: Int, background: PaintColor = .black) {
        precondition(width > 0 && height > 0 && (channels == 1 || channels == 3),
                     "Canvas \(width)x\(height) with \(channels) channels: need positive size and 1 or 3 channels")
        self.width = width
        self.height = height
        self.channels = channels
        pixels = [Float](repeating: 0, count: width * height * channels)
        if channels == 1 {
            for i in 0..<pixels.count { pixels[i] = background.luma }
        } else {
            let plane = width * height
            for i in 0..<plane {
                pixels[i] = background.r
                pixels[plane + i] = background.g
                pixels[2 * plane + i] = background.b
            }
        }
    }

    /// The pixels as an image, clamped to [0, 1].
    public var image: Image {
        Image(width: width, height: height, channels: channels, pixels: pixels.map { min(1, max(0, $0)) })
    }

    /// Direct access for whole-image effects (lighting, noise).
    public mutating func withPixels<R>(_ body: (inout [Float]) -> R) -> R { body(&pixels) }

    // MARK: - Fills

    /// Fills the whole canvas.
    public mutating func fillAll(_ paint: Paint) {
        let (w, h) = (width, height)
        let plane = w * h
        let shader = Shader(paint, channels: channels)
        pixels.withUnsafeMutableBufferPointer { px in
            for y in 0..<h {
                for x in 0..<w {
                    let t = shader.t(x: x, y: y)
                    for ch in 0..<shader.channels { px[ch * plane + y * w + x] = shader.value(ch, t) }
                }
            }
        }
    }

    /// Fills a closed path (the last point joins the first) by the non-zero winding rule.
    public mutating func fill(_ path: [SIMD2<Float>], _ paint: Paint, opacity: Float = 1, clip: CoverageMask? = nil) {
        guard path.count >= 3 else { return }
        let (w, h) = (width, height)
        let plane = w * h
        let sub = subRows
        let shader = Shader(paint, channels: channels)
        pixels.withUnsafeMutableBufferPointer { px in
            Canvas.scan(path, width: w, height: h, subRows: sub) { y, x0, cov in
                for i in 0..<cov.count {
                    var a = cov[i] * opacity
                    if a <= 0 { continue }
                    let x = x0 + i
                    if let clip {
                        a *= clip.coverage(x: x, y: y)
                        if a <= 0 { continue }
                    }
                    a = min(a, 1)
                    let t = shader.t(x: x, y: y)
                    let j = y * w + x
                    for ch in 0..<shader.channels {
                        let k = ch * plane + j
                        px[k] += a * (shader.value(ch, t) - px[k])
                    }
                }
            }
        }
    }

    /// The coverage of a closed path, for clipping later fills.
    public func mask(_ path: [SIMD2<Float>]) -> CoverageMask {
        guard path.count >= 3 else { return CoverageMask(x0: 0, y0: 0, width: 0, height: 0, values: []) }
        let (bx0, by0, bx1, by1) = Canvas.bounds(path, width: width, height: height)
        let mw = max(0, bx1 - bx0), mh = max(0, by1 - by0)
        var values = [Float](repeating: 0, count: mw * mh)
        Canvas.scan(path, width: width, height: height, subRows: subRows) { y, x0, cov in
            for i in 0..<cov.count { values[(y - by0) * mw + (x0 + i - bx0)] = min(1, cov[i]) }
        }
        return CoverageMask(x0: bx0, y0: by0, width: mw, height: mh, values: values)
    }

    // MARK: - Strokes

    /// Strokes an open or closed polyline. `widths` gives the stroke width at each point (one value
    /// for a constant width). Open strokes get round caps.
    public mutating func stroke(_ points: [SIMD2<Float>], widths: [Float], closed: Bool = false,
                                _ paint: Paint, opacity: Float = 1) {
        precondition(widths.count == 1 || widths.count == points.count,
                     "stroke: \(widths.count) widths for \(points.count) points")
        guard points.count >= 2 else { return }
        let width = { (i: Int) -> Float in widths.count == 1 ? widths[0] : widths[i] }
        let n = points.count
        var left = [SIMD2<Float>](), right = [SIMD2<Float>]()
        left.reserveCapacity(n)
        right.reserveCapacity(n)
        for i in 0..<n {
            let prev = closed ? points[(i + n - 1) % n] : points[max(i - 1, 0)]
            let next = closed ? points[(i + 1) % n] : points[min(i + 1, n - 1)]
            var t1 = points[i] - prev, t2 = next - points[i]
            if !closed && i == 0 { t1 = t2 }
            if !closed && i == n - 1 { t2 = t1 }
            let d1 = unit(t1), d2 = unit(t2)
            var normal = SIMD2<Float>(-(d1.y + d2.y), d1.x + d2.x)
            let len = length(normal)
            normal = len > 1e-6 ? normal / len : SIMD2(-d1.y, d1.x)
            // Miter length 1 / cos(half the turning angle), capped so sharp turns stay bounded.
            let cosHalf = max(0.5, (normal.x * -d1.y + normal.y * d1.x))
            let offset = normal * (width(i) / 2 / cosHalf)
            left.append(points[i] + offset)
            right.append(points[i] - offset)
        }
        if closed {
            // Outer and inner loops run in opposite directions, joined by a cut walked both ways:
            // non-zero winding fills the ring.
            fill(left + [left[0], right[0]] + right.reversed(), paint, opacity: opacity)
            return
        }
        var outline = left
        outline += cap(center: points[n - 1], from: left[n - 1], radius: width(n - 1) / 2)
        outline += right.reversed()
        outline += cap(center: points[0], from: right[0], radius: width(0) / 2)
        fill(outline, paint, opacity: opacity)
    }

    /// Strokes a quadratic Bezier curve (p0, control c, p1) with widths varying linearly from
    /// `startWidth` to `endWidth` through `midWidth`.
    public mutating func strokeQuadratic(_ p0: SIMD2<Float>, _ c: SIMD2<Float>, _ p1: SIMD2<Float>,
                                         width: Float, midWidth: Float? = nil, endWidth: Float? = nil,
                                         _ paint: Paint, opacity: Float = 1) {
        let pts = Curves.quadratic(p0, c, p1, segments: 12)
        stroke(pts, widths: Curves.widths(count: pts.count, width, midWidth ?? width, endWidth ?? width),
               paint, opacity: opacity)
    }

    /// Strokes a cubic Bezier curve (p0, c0, c1, p1) with a width profile as `strokeQuadratic`.
    public mutating func strokeCubic(_ p0: SIMD2<Float>, _ c0: SIMD2<Float>, _ c1: SIMD2<Float>, _ p1: SIMD2<Float>,
                                     width: Float, midWidth: Float? = nil, endWidth: Float? = nil,
                                     _ paint: Paint, opacity: Float = 1) {
        let pts = Curves.cubic(p0, c0, c1, p1, segments: 16)
        stroke(pts, widths: Curves.widths(count: pts.count, width, midWidth ?? width, endWidth ?? width),
               paint, opacity: opacity)
    }

    /// Fills an ellipse with semi-axes `radii`, rotated by `angle` radians.
    public mutating func fillEllipse(center: SIMD2<Float>, radii: SIMD2<Float>, angle: Float = 0,
                                     _ paint: Paint, opacity: Float = 1, clip: CoverageMask? = nil) {
        fill(Curves.ellipse(center: center, radii: radii, angle: angle), paint, opacity: opacity, clip: clip)
    }

    // MARK: - Scan conversion

    private static func bounds(_ path: [SIMD2<Float>], width: Int, height: Int) -> (Int, Int, Int, Int) {
        var lo = path[0], hi = path[0]
        for p in path {
            lo = pointwiseMin(lo, p)
            hi = pointwiseMax(hi, p)
        }
        let x0 = max(0, Int(lo.x.rounded(.down))), y0 = max(0, Int(lo.y.rounded(.down)))
        let x1 = min(width, Int(hi.x.rounded(.up)) + 1), y1 = min(height, Int(hi.y.rounded(.up)) + 1)
        return (x0, y0, x1, y1)
    }

    /// Calls `body(y, x0, coverage)` for every pixel row the path touches, with the coverage of
    /// pixels x0 ..< x0 + coverage.count.
    private static func scan(_ path: [SIMD2<Float>], width: Int, height: Int, subRows: Int,
                             _ body: (Int, Int, UnsafeMutableBufferPointer<Float>) -> Void) {
        let (bx0, by0, bx1, by1) = bounds(path, width: width, height: height)
        guard bx1 > bx0 && by1 > by0 else { return }
        let n = path.count
        // Non-horizontal edges as (x at top, y top, y bottom, dx/dy, winding direction).
        var edges = [(x: Float, top: Float, bottom: Float, slope: Float, dir: Int)]()
        edges.reserveCapacity(n)
        for i in 0..<n {
            let a = path[i], b = path[(i + 1) % n]
            if a.y == b.y || !a.y.isFinite || !b.y.isFinite { continue }
            let (p, q, dir) = a.y < b.y ? (a, b, 1) : (b, a, -1)
            edges.append((p.x, p.y, q.y, (q.x - p.x) / (q.y - p.y), dir))
        }
        let rowWidth = bx1 - bx0
        let sub = max(1, subRows)
        let weight = 1 / Float(sub)
        var row = [Float](repeating: 0, count: rowWidth)
        var xs = [Float](repeating: 0, count: edges.count + 1)
        var dirs = [Int](repeating: 0, count: edges.count + 1)
        xs.withUnsafeMutableBufferPointer { xs in
        dirs.withUnsafeMutableBufferPointer { dirs in
        row.withUnsafeMutableBufferPointer { cov in
            for y in by0..<by1 {
                var touched = false
                for s in 0..<sub {
                    let sy = Float(y) + (Float(s) + 0.5) * weight
                    var count = 0
                    for e in edges where sy >= e.top && sy < e.bottom {
                        let x = e.x + (sy - e.top) * e.slope
                        // Insertion keeps the crossings sorted by x.
                        var k = count
                        while k > 0 && xs[k - 1] > x {
                            xs[k] = xs[k - 1]
                            dirs[k] = dirs[k - 1]
                            k -= 1
                        }
                        xs[k] = x
                        dirs[k] = e.dir
                        count += 1
                    }
                    if count < 2 { continue }
                    var winding = 0
                    for k in 0..<(count - 1) {
                        winding += dirs[k]
                        if winding != 0 {
                            addSpan(cov, xs[k] - Float(bx0), xs[k + 1] - Float(bx0), weight)
                            touched = true
                        }
                    }
                }
                if touched {
                    body(y, bx0, cov)
                    cov.update(repeating: 0)
                }
            }
        }
        }
        }
    }

    @inline(__always)
    private static func addSpan(_ cov: UnsafeMutableBufferPointer<Float>, _ a: Float, _ b: Float, _ w: Float) {
        let n = Float(cov.count)
        let x0 = max(0, min(n, a)), x1 = max(0, min(n, b))
        if x1 <= x0 { return }
        let i0 = Int(x0), i1 = Int(x1)
        if i0 == i1 {
            cov[i0] += (x1 - x0) * w
            return
        }
        cov[i0] += (Float(i0 + 1) - x0) * w
        if i0 + 1 < i1 {
            for i in (i0 + 1)..<i1 { cov[i] += w }
        }
        if i1 < cov.count { cov[i1] += (x1 - Float(i1)) * w }
    }

    /// A paint resolved for one canvas: per-channel end values and the gradient as
    /// t = t0 + tx * x + ty * y at pixel centres.
    private struct Shader {
        let channels: Int
        var from: (Float, Float, Float), delta: (Float, Float, Float)
        var t0: Float = 0, tx: Float = 0, ty: Float = 0
        let constant: Bool

        init(_ paint: Paint, channels: Int) {
            self.channels = channels
            func values(_ c: PaintColor) -> (Float, Float, Float) { channels == 1 ? (c.luma, 0, 0) : (c.r, c.g, c.b) }
            switch paint {
            case .solid(let c):
                from = values(c)
                delta = (0, 0, 0)
                constant = true
            case .linear(let start, let end, let a, let b):
                from = values(a)
                let to = values(b)
                delta = (to.0 - from.0, to.1 - from.1, to.2 - from.2)
                let d = end - start
                let len2 = d.x * d.x + d.y * d.y
                constant = len2 == 0
                if len2 > 0 {
                    tx = d.x / len2
                    ty = d.y / len2
                    t0 = ((0.5 - start.x) * d.x + (0.5 - start.y) * d.y) / len2
                }
            }
        }

        @inline(__always)
        func t(x: Int, y: Int) -> Float {
            constant ? 0 : max(0, min(1, t0 + tx * Float(x) + ty * Float(y)))
        }

        @inline(__always)
        func value(_ channel: Int, _ t: Float) -> Float {
            switch channel {
            case 0: from.0 + delta.0 * t
            case 1: from.1 + delta.1 * t
            default: from.2 + delta.2 * t
            }
        }
    }

    private func cap(center: SIMD2<Float>, from start: SIMD2<Float>, radius: Float) -> [SIMD2<Float>] {
        // A half circle from `start` around `center`, turning the same way as the outline.
        let v = start - center
        let a0 = atan2f(v.y, v.x)
        var out = [SIMD2<Float>]()
        let steps = 6
        for k in 1..<steps {
            let a = a0 - Float.pi * Float(k) / Float(steps)
            out.append(center + radius * SIMD2(cosf(a), sinf(a)))
        }
        return out
    }
}

/// Curve flattening helpers.
public enum Curves {
    public static func quadratic(_ p0: SIMD2<Float>, _ c: SIMD2<Float>, _ p1: SIMD2<Float>,
                                 segments: Int) -> [SIMD2<Float>] {
        (0...segments).map { k in
            let t = Float(k) / Float(segments), u = 1 - t
            return u * u * p0 + 2 * u * t * c + t * t * p1
        }
    }

    public static func cubic(_ p0: SIMD2<Float>, _ c0: SIMD2<Float>, _ c1: SIMD2<Float>, _ p1: SIMD2<Float>,
                             segments: Int) -> [SIMD2<Float>] {
        (0...segments).map { k in
            let t = Float(k) / Float(segments), u = 1 - t
            return u * u * u * p0 + 3 * u * u * t * c0 + 3 * u * t * t * c1 + t * t * t * p1
        }
    }

    /// The control point of the quadratic from `a` to `b` that passes through `m` at t = 1/2.
    public static func control(through m: SIMD2<Float>, _ a: SIMD2<Float>, _ b: SIMD2<Float>) -> SIMD2<Float> {
        2 * m - (a + b) / 2
    }

    public static func ellipse(center: SIMD2<Float>, radii: SIMD2<Float>, angle: Float = 0,
                               segments: Int = 0) -> [SIMD2<Float>] {
        let r = max(radii.x, radii.y)
        let n = segments > 0 ? segments : max(12, min(64, Int(r * 2.5)))
        let ca = cosf(angle), sa = sinf(angle)
        return (0..<n).map { k in
            let t = 2 * Float.pi * Float(k) / Float(n)
            let x = radii.x * cosf(t), y = radii.y * sinf(t)
            return center + SIMD2(ca * x - sa * y, sa * x + ca * y)
        }
    }

    /// Widths along `count` points: `start` to `mid` over the first half, `mid` to `end` after.
    public static func widths(count: Int, _ start: Float, _ mid: Float, _ end: Float) -> [Float] {
        (0..<count).map { k in
            let t = Float(k) / Float(max(count - 1, 1))
            return t < 0.5 ? start + (mid - start) * t * 2 : mid + (end - mid) * (t - 0.5) * 2
        }
    }
}

@inline(__always) private func length(_ v: SIMD2<Float>) -> Float { (v.x * v.x + v.y * v.y).squareRoot() }

@inline(__always) private func unit(_ v: SIMD2<Float>) -> SIMD2<Float> {
    let l = length(v)
    return l > 1e-9 ? v / l : SIMD2(1, 0)
}
