// FaceRenderer: draws a FaceGeometry onto a Canvas, back to front (background, hair behind, neck,
// ears, head, beard, nose, folds and wrinkles, mouth, eyes, brows, hair in front, glasses), in the
// human style (shading, wrinkles, no outlines) or the cartoon style (flat colours, outlines, big eyes).
// `Placement` maps face units to pixels: a similarity transform, so head pose nuisances are exact.

import FaceData

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the face sits in the image: a rotation, a scale and a shift of the face-unit frame.
public struct Placement: Equatable, Sendable {
    /// Rotation in radians (positive turns the face clockwise in the image).
    public var rotation: Float = 0
    /// 1: a face-unit square of side 2.05 fills the image, the face centre 0.04 of the image size
    /// above the image centre (so the chin is in and the hair top may be cut, as in face crops).
    public var scale: Float = 1
    /// Shift of the face centre as a fraction of the image size.
    public var shift = SIMD2<Float>(0, 0)

    public init(rotation: Float = 0, scale: Float = 1, shift: SIMD2<Float> = [0, 0]) {
        self.rotation = rotation
        self.scale = scale
        self.shift = shift
    }

    /// The face-unit to pixel map for a `width` x `height` image.
    func transform(width: Int, height: Int) -> FaceTransform {
        let size = Float(min(width, height))
        let k = size / 2.05 * scale
        let center = SIMD2<Float>(Float(width) / 2, Float(height) / 2 - 0.04 * size) + shift * size
        return FaceTransform(a: k * cosf(rotation), b: k * sinf(rotation), center: center, scale: k)
    }
}

struct FaceTransform {
    let a: Float, b: Float, center: SIMD2<Float>, scale: Float

    @inline(__always)
    func callAsFunction(_ p: SIMD2<Float>) -> SIMD2<Float> {
        center + SIMD2(a * p.x - b * p.y, b * p.x + a * p.y)
    }

    func callAsFunction(_ ps: [SIMD2<Float>]) -> [SIMD2<Float>] { ps.map { self($0) } }
}

public enum FaceRenderer {
    /// Draws the face onto `canvas` and returns its 68 landmarks in pixel coordinates.
    @discardableResult
    public static func draw(_ identity: FaceIdentity, controls: ExpressionControls, placement: Placement,
                            on canvas: inout Canvas) -> [SIMD2<Float>] {
        let geometry = FaceGeometry(identity: identity, controls: controls)
        let t = placement.transform(width: canvas.width, height: canvas.height)
        let painter = FacePainter(f: identity, g: geometry, t: t)
        painter.paint(&canvas)
        return t(geometry.landmarks)
    }
}

/// One face being painted: identity, geometry and transform, with a method per part.
private struct FacePainter {
    let f: FaceIdentity
    let g: FaceGeometry
    let t: FaceTransform
    var cartoon: Bool { !f.style.shading }
    var outlineWidth: Float { f.style.outline * t.scale }
    let ink = PaintColor(0.12, 0.08, 0.08)

    init(f: FaceIdentity, g: FaceGeometry, t: FaceTransform) {
        self.f = f
        self.g = g
        self.t = t
    }

    func px(_ w: Float) -> Float { w * t.scale }

    func paint(_ c: inout Canvas) {
        c.fillAll(.linear(start: t([0, -1.2]), end: t([0, 1.2]), from: f.background.scaled(1.12),
                          to: f.background.scaled(0.85)))
        hairBehind(&c)
        neckAndShoulders(&c)
        ears(&c)
        headShape(&c)
        beard(&c)
        cheeks(&c)
        nose(&c)
        if f.style.shading { wrinkles(&c) }
        mouth(&c)
        for eye in g.eyes { self.eye(eye, &c) }
        brows(&c)
        hairFront(&c)
        if f.glasses { glasses(&c) }
    }

    func filled(_ path: [SIMD2<Float>], _ paint: Paint, _ c: inout Canvas, opacity: Float = 1, outline: Bool = true) {
        let p = t(path)
        c.fill(p, paint, opacity: opacity)
        if outline && outlineWidth > 0 { c.stroke(p, widths: [outlineWidth], closed: true, .solid(ink)) }
    }

    // MARK: Parts

    func hairBehind(_ c: inout Canvas) {
        let w = f.headWidth, h = f.headHeight
        switch f.hairStyle {
        case .long:
            var path = [SIMD2<Float>]([[-1.12 * w, 1.05]])
            for k in 0...20 {
                let a = Float.pi + Float.pi * Float(k) / 20
                path.append([1.14 * w * cosf(a), 1.1 * h * sinf(a) - 0.05])
            }
            path.append([1.12 * w, 1.05])
            filled(path, .solid(f.hair.scaled(0.85)), &c)
        case .curly:
            let path = (0..<40).map { k -> SIMD2<Float> in
                let a = 2 * Float.pi * Float(k) / 40
                let r: Float = 1 + 0.05 * abs(sinf(5 * a))
                return [1.2 * w * r * cosf(a), 0.95 * h * r * sinf(a) - 0.22]
            }
            filled(path, .solid(f.hair.scaled(0.9)), &c)
        default:
            break
        }
    }

    func neckAndShoulders(_ c: inout Canvas) {
        let shoulders: [SIMD2<Float>] = [[-1.6, 1.6], [-1.3, 1.12], [-0.5, 0.98], [0.5, 0.98], [1.3, 1.12], [1.6, 1.6]]
        filled(shoulders, .solid(f.clothes), &c)
        let neck: [SIMD2<Float>] = [[-0.36, 0.3], [0.36, 0.3], [0.4, 1.05], [0, 1.12], [-0.4, 1.05]]
        filled(neck, .solid(f.skin.scaled(0.82)), &c)
    }

    func ears(_ c: inout Canvas) {
        for side: Float in [-1, 1] {
            let center = SIMD2<Float>(side * f.headWidth * 0.97, -0.02)
            let path = Curves.ellipse(center: center, radii: [0.1, 0.17], angle: side * 0.15, segments: 16)
            filled(path, .solid(f.skin.scaled(0.92)), &c)
            if f.style.shading {
                c.strokeQuadratic(t(center + [side * 0.03, -0.09]), t(center + [side * 0.07, 0]),
                                  t(center + [side * 0.02, 0.09]), width: px(0.02), .solid(f.skin.scaled(0.7)),
                                  opacity: 0.6)
            }
        }
    }

    func headShape(_ c: inout Canvas) {
        let paint: Paint = cartoon
            ? .solid(f.skin)
            : .linear(start: t([-0.9, -0.5]), end: t([0.9, 0.6]), from: f.skin.scaled(1.06), to: f.skin.scaled(0.9))
        filled(g.head, paint, &c)
        if f.style.shading {
            // Soft shadow of the jaw on the neck is drawn as a darker rim along the lower contour.
            let rim = g.jaw.map { SIMD2<Float>($0.x * 0.97, $0.y - 0.015) }
            c.stroke(t(rim), widths: [px(0.03)], .solid(f.skin.scaled(0.85)), opacity: 0.5)
        }
    }

    func beard(_ c: inout Canvas) {
        guard f.beard != .none else { return }
        let color = f.hair.scaled(0.9)
        if f.beard == .full || f.beard == .stubble {
            // The jaw below the cheeks, up to a line that runs round the mouth.
            let top = g.noseBase - 0.02
            var path = g.head.filter { $0.y > top }
            path.sort { atan2f($0.y, $0.x) < atan2f($1.y, $1.x) }
            let m = g.mouth
            let under = max(m.lowerOuter.y, m.left.y) + 0.05
            let upper: [SIMD2<Float>] = [[-0.5, top + 0.08], [m.left.x - 0.07, m.left.y], [-0.1, under],
                                         [0.1, under], [m.right.x + 0.07, m.right.y], [0.5, top + 0.08]]
            path += upper
            filled(path, .solid(color), &c, opacity: f.beard == .full ? 0.95 : 0.3, outline: false)
        }
        if f.beard == .full || f.beard == .moustache {
            let m = g.mouth
            let y = m.upperOuter.y - 0.035
            let l = SIMD2<Float>(m.left.x - 0.02, min(m.left.y, m.upperOuter.y) - 0.01)
            let r = SIMD2<Float>(m.right.x + 0.02, l.y)
            c.strokeQuadratic(t(l), t(Curves.control(through: [0, y], l, r)), t(r), width: px(0.02),
                              midWidth: px(0.045), endWidth: px(0.02), .solid(color.scaled(0.9)))
        }
    }

    func cheeks(_ c: inout Canvas) {
        let a6 = g.units[.cheekRaiser], a12 = g.units[.lipCornerPuller]
        for side: Float in [-1, 1] {
            let center = SIMD2<Float>(side * (f.eyeSpacing + 0.1), g.eyes[0].inner.y + 0.24 - 0.05 * a6)
            if cartoon {
                c.fillEllipse(center: t(center), radii: [px(0.12), px(0.07)], angle: t.rotationAngle, .solid(PaintColor(0.95, 0.45, 0.5)),
                              opacity: 0.25 + 0.35 * max(a6, a12))
            } else if a6 > 0 {
                c.fillEllipse(center: t(center), radii: [px(0.15), px(0.1)], angle: t.rotationAngle, .solid(f.skin.scaled(1.12)),
                              opacity: 0.5 * a6)
            }
        }
    }

    func nose(_ c: inout Canvas) {
        let base = g.noseBase, hw = g.noseHalfWidth
        let shade = f.skin.scaled(0.72)
        if cartoon {
            c.strokeQuadratic(t([-0.04, base - 0.01]), t([0, base + 0.03]), t([0.04, base - 0.01]),
                              width: px(0.025), .solid(ink))
            let a9 = g.units[.noseWrinkler]
            if a9 > 0.05 {
                for side: Float in [-1, 1] {
                    let p = SIMD2<Float>(side * 0.07, g.noseTop.y + 0.03)
                    c.strokeQuadratic(t(p), t(p + [side * 0.03, 0.03]), t(p + [side * 0.01, 0.07]),
                                      width: px(0.02), .solid(ink), opacity: a9)
                }
            }
            return
        }
        // Shadow under the tip, the wings and the nostrils.
        c.fillEllipse(center: t([0, base + 0.015]), radii: [px(hw * 0.8), px(0.03)], angle: t.rotationAngle,
                      .solid(f.skin.scaled(0.85)), opacity: 0.6)
        for side: Float in [-1, 1] {
            let top = SIMD2<Float>(side * hw * 0.55, base - 0.12)
            let wing = SIMD2<Float>(side * hw, base - 0.02)
            let end = SIMD2<Float>(side * hw * 0.45, base + 0.005)
            c.strokeQuadratic(t(top), t(wing + [side * 0.02, -0.02]), t(end), width: px(0.012),
                              midWidth: px(0.025), endWidth: px(0.015), .solid(shade), opacity: 0.8)
            c.fillEllipse(center: t([side * hw * 0.45, base - 0.005]), radii: [px(0.03), px(0.013)],
                          angle: t.rotationAngle + side * 0.3, .solid(f.skin.scaled(0.4)))
            // Side of the bridge.
            c.strokeQuadratic(t([side * 0.05, g.noseTop.y + 0.05]), t([side * 0.06, base - 0.15]),
                              t([side * hw * 0.6, base - 0.1]), width: px(0.018), .solid(shade), opacity: 0.3)
        }
    }

    func wrinkles(_ c: inout Canvas) {
        let u = g.units
        let fold = f.skin.scaled(0.7)
        // Nasolabial folds: deepen with AU6, AU9, AU10 and AU12; a trace is always there.
        let foldStrength = max(0.2, max(u[.lipCornerPuller] * 0.9, max(u[.noseWrinkler], u[.upperLipRaiser]) * 0.8))
        for (side, corner) in [(Float(-1), g.mouth.left), (Float(1), g.mouth.right)] {
            let start = SIMD2<Float>(side * (g.noseHalfWidth + 0.03), g.noseBase - 0.05)
            let end = corner + [side * 0.05, 0.03]
            let bulge = (start + end) / 2 + [side * 0.05, 0]
            c.strokeQuadratic(t(start), t(Curves.control(through: bulge, start, end)), t(end), width: px(0.02),
                              midWidth: px(0.03), endWidth: px(0.01), .solid(fold), opacity: 0.6 * foldStrength)
        }
        // AU6: bags under the eyes and crow's feet.
        let a6 = u[.cheekRaiser]
        if a6 > 0.05 {
            for eye in g.eyes {
                let side: Float = eye.outer.x > eye.inner.x ? 1 : -1
                let l = eye.inner + [0, eye.lower.y - eye.inner.y + 0.035]
                let r = eye.outer + [side * 0.01, eye.lower.y - eye.inner.y + 0.025]
                c.strokeQuadratic(t(l), t(Curves.control(through: eye.lower + [0, 0.05], l, r)), t(r),
                                  width: px(0.015), .solid(fold), opacity: 0.6 * a6)
                for k in 0..<2 {
                    let o = eye.outer + [side * 0.04, -0.02 + Float(k) * 0.04]
                    c.strokeQuadratic(t(o), t(o + [side * 0.04, Float(k) * 0.01 - 0.005]),
                                      t(o + [side * 0.07, Float(k) * 0.03 - 0.02]), width: px(0.012),
                                      .solid(fold), opacity: 0.5 * a6)
                }
            }
        }
        // AU1 and AU2: forehead lines; AU1 alone lifts their middle.
        let raise = max(u[.innerBrowRaiser], u[.outerBrowRaiser])
        if raise > 0.05 {
            let top = min(g.brows[0].middle.y, g.brows[1].middle.y)
            for k in 0..<3 {
                let y = top - 0.09 - Float(k) * 0.06
                let lift = 0.03 * u[.innerBrowRaiser] - 0.02 * u[.outerBrowRaiser]
                let l = SIMD2<Float>(-0.35 + Float(k) * 0.04, y), r = SIMD2<Float>(0.35 - Float(k) * 0.04, y)
                c.strokeQuadratic(t(l), t(Curves.control(through: [0, y - lift], l, r)), t(r), width: px(0.012),
                                  midWidth: px(0.018), endWidth: px(0.012), .solid(fold), opacity: 0.55 * raise)
            }
        }
        // AU4: vertical lines between the brows.
        let a4 = u[.browLowerer]
        if a4 > 0.05 {
            for side: Float in [-1, 1] {
                let x = side * 0.05
                let y = g.brows[0].inner.y
                c.strokeQuadratic(t([x, y - 0.08]), t([x * 1.4, y - 0.02]), t([x * 1.1, y + 0.04]),
                                  width: px(0.016), .solid(fold), opacity: 0.7 * a4)
            }
        }
        // AU9: wrinkles across the bridge of the nose.
        let a9 = u[.noseWrinkler]
        if a9 > 0.05 {
            for k in 0..<3 {
                let y = g.noseTop.y + 0.02 + Float(k) * 0.035
                let hw = 0.05 + Float(k) * 0.01
                c.strokeQuadratic(t([-hw, y + 0.01]), t([0, y - 0.015]), t([hw, y + 0.01]), width: px(0.013),
                                  .solid(fold), opacity: 0.75 * a9)
            }
        }
    }

    func mouth(_ c: inout Canvas) {
        let m = g.mouth
        let upperOuter = g.lipEdge(through: m.upperOuter, bow: m.bow)
        let upperInner = g.lipEdge(through: m.upperInner)
        let lowerInner = g.lipEdge(through: m.lowerInner)
        let lowerOuter = g.lipEdge(through: m.lowerOuter)
        let lipColor = cartoon ? f.lips.scaled(0.9) : f.lips
        filled(upperOuter + lowerOuter.reversed(), .solid(lipColor), &c)
        let opening = m.lowerInner.y - m.upperInner.y
        let lineColor = cartoon ? ink : f.lips.scaled(0.45)
        if opening > 0.012 {
            let hole = t(upperInner + lowerInner.reversed())
            c.fill(hole, .solid(PaintColor(0.25, 0.06, 0.08)))
            let clip = c.mask(hole)
            let teethColor = PaintColor(0.96, 0.94, 0.88)
            // Upper teeth hang from the upper lip; lower teeth show when the lower lip drops (AU16, AU26).
            let upperTeeth = upperInner + upperInner.reversed().map { $0 + [0, 0.055] }
            c.fill(t(upperTeeth), .solid(teethColor), clip: clip)
            let lowerShow = g.units[.lowerLipDepressor] + g.units[.lipStretcher] * 0.5
            if lowerShow > 0.1 {
                let lowerTeeth = lowerInner + lowerInner.reversed().map { $0 + [0, -0.035] }
                c.fill(t(lowerTeeth), .solid(teethColor.scaled(0.92)), opacity: min(1, lowerShow), clip: clip)
            }
            if g.units[.jawDrop] > 0.3 {
                c.fillEllipse(center: t([0, m.lowerInner.y - 0.02]), radii: [px(0.09), px(0.04)],
                              angle: t.rotationAngle, .solid(PaintColor(0.7, 0.3, 0.35)), opacity: 0.8, clip: clip)
            }
            c.stroke(hole, widths: [max(0.6, px(0.012))], closed: true, .solid(lineColor), opacity: 0.8)
        } else {
            let line = g.lipEdge(through: (m.upperInner + m.lowerInner) / 2)
            c.stroke(t(line), widths: Curves.widths(count: line.count, px(0.015), px(0.028), px(0.015)),
                     .solid(lineColor), opacity: 0.9)
        }
        if !cartoon {
            // Shadow under the lower lip.
            let y = m.lowerOuter.y + 0.03
            c.strokeQuadratic(t([-0.1, y - 0.01]), t([0, y + 0.01]), t([0.1, y - 0.01]), width: px(0.02),
                              .solid(f.skin.scaled(0.8)), opacity: 0.5)
        }
    }

    func eye(_ eye: FaceGeometry.Eye, _ c: inout Canvas) {
        let upper = g.upperLid(eye), lower = g.lowerLid(eye)
        let shape = t(upper + lower.reversed().dropFirst().dropLast())
        let side: Float = eye.outer.x > eye.inner.x ? 1 : -1
        // Lid shadow above the eye.
        if !cartoon {
            let crease = upper.map { SIMD2<Float>($0.x, $0.y - 0.03) }
            c.stroke(t(crease), widths: Curves.widths(count: crease.count, px(0.008), px(0.02), px(0.008)),
                     .solid(f.skin.scaled(0.72)), opacity: 0.7 - 4 * eye.lidRaise)
        }
        c.fill(shape, .solid(PaintColor(0.97, 0.96, 0.94)))
        let clip = c.mask(shape)
        let irisColor = f.iris
        c.fillEllipse(center: t(eye.irisCenter), radii: [px(eye.irisRadius), px(eye.irisRadius)],
                      .solid(irisColor), clip: clip)
        c.fillEllipse(center: t(eye.irisCenter), radii: [px(eye.irisRadius * 0.48), px(eye.irisRadius * 0.48)],
                      .solid(PaintColor(0.03, 0.03, 0.03)), clip: clip)
        if cartoon {
            c.fillEllipse(center: t(eye.irisCenter + [side * -0.3 * eye.irisRadius, -0.35 * eye.irisRadius]),
                          radii: [px(eye.irisRadius * 0.3), px(eye.irisRadius * 0.3)], .solid(.white), clip: clip)
        }
        // The lid line: thick and dark on top (lashes), light below.
        let lash = cartoon ? px(0.035) : max(0.7, px(0.018))
        c.stroke(t(upper), widths: Curves.widths(count: upper.count, lash * 0.6, lash, lash * 1.3), .solid(ink))
        c.stroke(t(lower), widths: [cartoon ? px(0.02) : max(0.5, px(0.01))],
                 .solid(cartoon ? ink : f.skin.scaled(0.6)), opacity: cartoon ? 1 : 0.7)
    }

    func brows(_ c: inout Canvas) {
        let color = (f.hairStyle == .bald ? PaintColor(0.3, 0.22, 0.15) : f.hair).mixed(with: PaintColor(0.15, 0.1, 0.07), 0.4)
        let thick = f.browThickness * (cartoon ? 1.3 : 1)
        for brow in g.brows {
            let line = g.browLine(brow)
            c.stroke(t(line), widths: Curves.widths(count: line.count, px(thick * 1.1), px(thick), px(thick * 0.45)),
                     .solid(cartoon ? ink : color))
        }
    }

    func hairFront(_ c: inout Canvas) {
        let w = f.headWidth, h = f.headHeight
        switch f.hairStyle {
        case .bald:
            break
        case .short, .fringe, .long, .curly:
            let grow: Float = f.hairStyle == .curly ? 1.1 : 1.05
            var path = [SIMD2<Float>]()
            for k in 0...24 {
                let a = Float.pi * 1.06 + Float.pi * 0.88 * Float(k) / 24
                var r: Float = 1
                if f.hairStyle == .curly { r += 0.04 * abs(sinf(9 * a)) }
                path.append([grow * w * r * cosf(a), 1.06 * grow * h * r * sinf(a)])
            }
            let temple: Float = f.hairStyle == .long ? -0.05 : -0.22
            let right = SIMD2<Float>(0.93 * w, temple), left = SIMD2<Float>(-0.93 * w, temple)
            let line: Float = f.hairStyle == .fringe ? g.hairline + 0.14 : g.hairline
            let ctrl = Curves.control(through: [0, line], right, left)
            var hairline = Curves.quadratic(right, ctrl, left, segments: 16)
            if f.hairStyle == .fringe {
                for k in hairline.indices where k % 2 == 1 { hairline[k].y += 0.05 }
            }
            path += hairline
            filled(path, .solid(f.hair), &c)
        }
    }

    func glasses(_ c: inout Canvas) {
        let frame = PaintColor(0.1, 0.1, 0.12)
        var inner = [SIMD2<Float>]()
        for eye in g.eyes {
            let center = (eye.inner + eye.outer) / 2
            let hw = abs(eye.outer.x - eye.inner.x) / 2 + 0.05
            let rim = Curves.ellipse(center: center, radii: [hw, 0.11], segments: 20).map { p -> SIMD2<Float> in
                // A rounded rectangle: push the ellipse towards its bounding box.
                let d = p - center
                return center + SIMD2(d.x.sign == .minus ? -1 : 1, d.y.sign == .minus ? -1 : 1)
                    * SIMD2(powf(abs(d.x) / hw, 0.6) * hw, powf(abs(d.y) / 0.11, 0.6) * 0.11)
            }
            let p = t(rim)
            c.fill(p, .solid(.white), opacity: 0.08)
            c.stroke(p, widths: [max(0.6, px(0.02))], closed: true, .solid(frame))
            let side: Float = eye.outer.x > eye.inner.x ? 1 : -1
            inner.append(center + [-side * hw, -0.02])
            c.stroke(t([center + [side * hw, -0.03], [side * f.headWidth * 0.98, -0.06]]),
                     widths: [max(0.6, px(0.018))], .solid(frame))
        }
        c.strokeQuadratic(t(inner[0]), t([0, inner[0].y - 0.04]), t(inner[1]), width: max(0.6, px(0.018)),
                          .solid(frame))
    }
}

extension FaceTransform {
    var rotationAngle: Float { atan2f(b, a) }
}
