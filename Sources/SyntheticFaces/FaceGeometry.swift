// FaceGeometry: where the parts of a synthetic face are, in face units (x right, y down, origin at
// the head centre), from the identity controls and the Action-Unit controls. The renderer draws from
// these points and the 68 landmarks (iBUG / CK+ order) are read off the same points, so the landmark
// files describe exactly the drawn face.
//
// Each Action Unit moves the points it moves in a face (FACS manual, Ekman, Friesen and Hager 2002):
// AU1 lifts the inner brows, AU2 the outer brows, AU4 lowers and draws them together, AU5 raises the
// upper lid, AU6 and AU7 raise the lower lid, AU9 wrinkles the nose and lifts the upper lip, AU10
// lifts the upper lip, AU12 pulls the lip corners up and out, AU15 pulls them down, AU16 lowers the
// lower lip, AU20 stretches the lips sideways, AU23 and AU24 thin and press the lips, AU26 drops the jaw.

import FaceData

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct FaceGeometry: Sendable {
    public struct Eye: Sendable {
        public var inner: SIMD2<Float>, outer: SIMD2<Float>
        /// Highest point of the upper lid and lowest point of the lower lid.
        public var upper: SIMD2<Float>, lower: SIMD2<Float>
        public var irisCenter: SIMD2<Float>
        public var irisRadius: Float
        /// How far the upper lid is raised above neutral (AU5), for the crease.
        public var lidRaise: Float
    }

    public struct Brow: Sendable {
        public var inner: SIMD2<Float>, middle: SIMD2<Float>, outer: SIMD2<Float>
    }

    public struct Mouth: Sendable {
        public var left: SIMD2<Float>, right: SIMD2<Float>
        /// Centre points of the four lip edges: outer and inner edges of each lip.
        public var upperOuter: SIMD2<Float>, upperInner: SIMD2<Float>
        public var lowerInner: SIMD2<Float>, lowerOuter: SIMD2<Float>
        /// Depth of the cupid's bow dip on the upper lip.
        public var bow: Float
    }

    public var head: [SIMD2<Float>]
    /// 17 points along the jaw, from the image-left ear round the chin to the right one.
    public var jaw: [SIMD2<Float>]
    public var chin: SIMD2<Float>
    /// Left and right as seen in the image (the subject's right is the image's left).
    public var eyes: [Eye]
    public var brows: [Brow]
    public var noseTop: SIMD2<Float>, noseTip: SIMD2<Float>
    public var noseBase: Float
    public var noseHalfWidth: Float
    public var mouth: Mouth
    public var hairline: Float
    /// The controls after style exaggeration, for wrinkle strengths.
    public var units: ExpressionControls

    public init(identity f: FaceIdentity, controls: ExpressionControls) {
        let a = controls.clamped()
        units = a
        let e = f.style.exaggeration
        let a1 = a[.innerBrowRaiser], a2 = a[.outerBrowRaiser], a4 = a[.browLowerer]
        let a5 = a[.upperLidRaiser], a6 = a[.cheekRaiser], a7 = a[.lidTightener]
        let a9 = a[.noseWrinkler], a10 = a[.upperLipRaiser], a12 = a[.lipCornerPuller]
        let a15 = a[.lipCornerDepressor], a16 = a[.lowerLipDepressor], a20 = a[.lipStretcher]
        let a23 = a[.lipTightener], a24 = a[.lipPressor], a26 = a[.jawDrop]

        // Head contour, 48 points clockwise from the right ear; the jaw tapers and drops (AU26).
        let w = f.headWidth, h = f.headHeight
        let jawDrop = e * 0.2 * a26
        var head = [SIMD2<Float>]()
        let n = 48
        for k in 0..<n {
            let t = 2 * Float.pi * Float(k) / Float(n)
            let s = sinf(t), c = cosf(t)
            var x = w * c, y = h * s
            if s > 0 {
                x *= 1 - f.jawTaper * 0.3 * s * s
                y += jawDrop * s * s
            } else {
                y *= 1.02
            }
            head.append([x, y])
        }
        self.head = head
        // Jaw: the lower half from the left side (t = pi) back round to the right (t = 0).
        jaw = (0...16).map { k in
            let t = Float.pi * (1 - Float(k) / 16) * 0.92 + Float.pi * 0.04
            let s = sinf(t), c = cosf(t)
            return [w * c * (1 - f.jawTaper * 0.3 * s * s), h * s + jawDrop * s * s - 0.05 * (1 - s)]
        }
        chin = [0, h + jawDrop]

        // Eyes.
        let eyeY: Float = -0.08
        let halfWidth = 0.13 * f.eyeSize
        let upperNeutral = (0.045 + 0.02 * f.eyeRoundness) * f.eyeSize
        let lowerNeutral = (0.03 + 0.02 * f.eyeRoundness) * f.eyeSize
        let lidRaise = e * 0.05 * a5
        let upperOpen = max(0.006, upperNeutral + lidRaise - e * (0.02 * a7 + 0.025 * a6 + 0.015 * a4 + 0.02 * a9))
        let lowerOpen = max(0.004, lowerNeutral + e * (0.006 * a5 - 0.022 * a7 - 0.025 * a6 - 0.01 * a9))
        eyes = [-1, 1].map { (side: Float) in
            let c = SIMD2<Float>(side * f.eyeSpacing, eyeY)
            return Eye(inner: c + [-side * halfWidth, 0.006], outer: c + [side * halfWidth, -f.eyeTilt],
                       upper: c + [-side * 0.01, -upperOpen], lower: c + [side * 0.005, lowerOpen],
                       irisCenter: c + [0, -0.01 * f.eyeSize], irisRadius: 0.06 * f.eyeSize, lidRaise: lidRaise)
        }

        // Brows: inner, middle and outer points above each eye.
        let browBase = eyeY - upperNeutral - 0.085 - 0.02 * f.eyeSize + f.browOffset
        brows = [-1, 1].map { (side: Float) in
            let x = side * f.eyeSpacing
            var inner = SIMD2<Float>(x - side * (halfWidth + 0.01), browBase + 0.012)
            var middle = SIMD2<Float>(x + side * 0.01, browBase - 0.03)
            var outer = SIMD2<Float>(x + side * (halfWidth + 0.05), browBase + 0.03 - f.eyeTilt)
            inner.y += e * (-0.14 * a1 + 0.11 * a4 * (1 - 0.6 * a1) + 0.03 * a9)
            inner.x -= side * e * 0.045 * a4
            middle.y += e * (-0.07 * a1 - 0.11 * a2 + 0.06 * a4 * (1 - 0.5 * a1) + 0.02 * a9)
            outer.y += e * (-0.02 * a1 - 0.11 * a2 + 0.012 * a4 + 0.015 * a9)
            return Brow(inner: inner, middle: middle, outer: outer)
        }

        // Nose: AU9 lifts and flares it.
        noseTop = [0, eyeY - 0.02]
        noseBase = eyeY + 0.1 + f.noseLength - e * (0.03 * a9 + 0.01 * a10)
        noseTip = [0, noseBase - 0.03]
        noseHalfWidth = f.noseWidth + e * 0.02 * a9

        // Mouth.
        let mouthY = noseBase + 0.11 + f.lipThickness * 0.6
        let halfMouth = f.mouthWidth
        let press = max(a23, a24)
        let cornerX = halfMouth + e * (0.07 * a12 + 0.09 * a20 - 0.04 * a23 - 0.02 * a24 - 0.08 * a26)
        let cornerY = mouthY + e * (-0.12 * a12 + 0.09 * a15 + 0.015 * a20 - 0.015 * a10 + 0.06 * a26)
        let upperRaise = e * (0.045 * a10 + 0.045 * a9)
        let lowerDrop = e * (0.045 * a16 + 0.21 * a26 + 0.05 * a12 * a12 + 0.015 * a20)
        let upperInnerY = mouthY - upperRaise - 0.015 * a12
        let lowerInnerY = mouthY + lowerDrop
        let upperLip = f.lipThickness * 0.9 * max(0.25, 1 - 0.5 * press - 0.25 * a12 - 0.2 * a20)
        let lowerLip = f.lipThickness * 1.15 * max(0.25, 1 - 0.5 * press - 0.2 * a12 - 0.2 * a20) + 0.012 * a16
        mouth = Mouth(left: [-cornerX, cornerY], right: [cornerX, cornerY],
                      upperOuter: [0, upperInnerY - upperLip], upperInner: [0, upperInnerY],
                      lowerInner: [0, lowerInnerY], lowerOuter: [0, lowerInnerY + lowerLip],
                      bow: upperLip * 0.3)
        hairline = browBase - 0.3
    }

    // MARK: - Curves of the parts

    /// The upper lid from the inner to the outer corner.
    public func upperLid(_ eye: Eye, segments: Int = 10) -> [SIMD2<Float>] {
        Curves.quadratic(eye.inner, Curves.control(through: eye.upper, eye.inner, eye.outer), eye.outer,
                         segments: segments)
    }

    /// The lower lid from the inner to the outer corner.
    public func lowerLid(_ eye: Eye, segments: Int = 10) -> [SIMD2<Float>] {
        Curves.quadratic(eye.inner, Curves.control(through: eye.lower, eye.inner, eye.outer), eye.outer,
                         segments: segments)
    }

    /// A lip edge from the left corner to the right one through `center`; `bow` dips the middle.
    public func lipEdge(through center: SIMD2<Float>, bow: Float = 0, segments: Int = 14) -> [SIMD2<Float>] {
        let m = mouth
        var pts = Curves.quadratic(m.left, Curves.control(through: center, m.left, m.right), m.right,
                                   segments: segments)
        if bow != 0 {
            for k in pts.indices {
                let t = Float(k) / Float(segments) - 0.5
                pts[k].y += bow * expf(-t * t / 0.006) - bow * 0.6 * expf(-(abs(t) - 0.14) * (abs(t) - 0.14) / 0.004)
            }
        }
        return pts
    }

    /// The brow centre line from the inner to the outer end.
    public func browLine(_ brow: Brow, segments: Int = 10) -> [SIMD2<Float>] {
        Curves.quadratic(brow.inner, Curves.control(through: brow.middle, brow.inner, brow.outer), brow.outer,
                         segments: segments)
    }

    // MARK: - Landmarks

    /// The 68 facial landmarks in the iBUG 300-W order used by CK+, in face units:
    /// 0-16 jaw, 17-21 and 22-26 brows, 27-35 nose, 36-47 eyes, 48-67 mouth.
    public var landmarks: [SIMD2<Float>] {
        var out = jaw
        // Brows, each from the image-left end to the image-right end.
        let leftBrow = browLine(brows[0], segments: 4).reversed()
        let rightBrow = browLine(brows[1], segments: 4)
        out += leftBrow
        out += rightBrow
        // Nose bridge (27-30) and base (31-35).
        for k in 0..<4 { out.append(noseTop + (noseTip - noseTop) * (Float(k) / 3)) }
        for k in 0..<5 {
            let t = Float(k) / 4 * 2 - 1
            out.append([t * noseHalfWidth * 0.75, noseBase - 0.01 * (1 - t * t)])
        }
        // Eyes: image-left eye from its outer corner clockwise; image-right eye from its inner corner.
        for (i, eye) in eyes.enumerated() {
            let up = upperLid(eye, segments: 3), low = lowerLid(eye, segments: 3)
            if i == 0 {
                out += [up[3], up[2], up[1], up[0], low[1], low[2]]
            } else {
                out += [up[0], up[1], up[2], up[3], low[2], low[1]]
            }
        }
        // Mouth: outer contour from the left corner clockwise (48-59), inner contour (60-67).
        let upperOuter = lipEdge(through: mouth.upperOuter, bow: mouth.bow, segments: 6)
        let lowerOuter = lipEdge(through: mouth.lowerOuter, segments: 6)
        out += upperOuter[0...6]
        out += lowerOuter[1...5].reversed()
        let upperInner = lipEdge(through: mouth.upperInner, segments: 4)
        let lowerInner = lipEdge(through: mouth.lowerInner, segments: 4)
        out += upperInner[0...4]
        out += lowerInner[1...3].reversed()
        return out
    }
}
