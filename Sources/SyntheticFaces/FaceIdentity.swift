// FaceIdentity: the identity controls of a synthetic face (head shape, skin tone, eyes, brows, nose,
// mouth, hair, glasses, beard) and the drawing style. A human subject is one fixed draw of these
// from a seed; the stylised characters are hand-set identities in the cartoon style.
// Lengths are in face units: the head is about 1.6 wide and 2 tall, centred at the origin.

import FaceData
import NN

public enum HairStyle: String, CaseIterable, Sendable, Codable {
    case bald, short, fringe, long, curly
}

public enum BeardStyle: String, CaseIterable, Sendable, Codable {
    case none, stubble, moustache, full
}

/// How a face is drawn: shaded and wrinkled (humans) or flat colours with outlines (characters).
public struct FaceStyle: Equatable, Sendable {
    /// Outline width in face units (0: no outlines).
    public var outline: Float
    /// Draws soft shading, wrinkles and folds.
    public var shading: Bool
    /// Multiplies the expression displacements (animators exaggerate).
    public var exaggeration: Float

    public static let human = FaceStyle(outline: 0, shading: true, exaggeration: 1)
    public static let cartoon = FaceStyle(outline: 0.028, shading: false, exaggeration: 1.25)
}

public struct FaceIdentity: Equatable, Sendable {
    public var headWidth: Float = 0.78
    public var headHeight: Float = 0.98
    /// 0: oval jaw; 1: narrow, pointed chin.
    public var jawTaper: Float = 0.25
    public var skin = PaintColor(0.93, 0.76, 0.63)
    public var eyeSize: Float = 1
    /// Half the distance between the eye centres.
    public var eyeSpacing: Float = 0.32
    /// 0: almond (narrow), 1: round.
    public var eyeRoundness: Float = 0.4
    /// Outer-corner lift of the eyes.
    public var eyeTilt: Float = 0
    public var iris = PaintColor(0.35, 0.22, 0.12)
    public var browThickness: Float = 0.05
    /// Added to the neutral brow height (negative: higher).
    public var browOffset: Float = 0
    public var noseLength: Float = 0.26
    public var noseWidth: Float = 0.12
    public var mouthWidth: Float = 0.28
    public var lipThickness: Float = 0.05
    public var lips = PaintColor(0.75, 0.45, 0.42)
    public var hairStyle: HairStyle = .short
    public var hair = PaintColor(0.25, 0.16, 0.1)
    public var glasses = false
    public var beard: BeardStyle = .none
    public var background = PaintColor(0.55, 0.58, 0.62)
    public var clothes = PaintColor(0.3, 0.35, 0.5)
    public var style: FaceStyle = .human

    public init() {}

    /// A human subject drawn from `generator`: every control uniform within a plausible range.
    public static func random(_ g: inout SeededGenerator) -> FaceIdentity {
        var f = FaceIdentity()
        f.headWidth = g.uniform(0.70, 0.84)
        f.headHeight = g.uniform(0.93, 1.02)
        f.jawTaper = g.uniform(0.05, 0.45)
        let tone = g.uniform()
        f.skin = PaintColor(0.97, 0.82, 0.70).mixed(with: PaintColor(0.45, 0.30, 0.22), tone)
        f.eyeSize = g.uniform(1.05, 1.3)
        f.eyeSpacing = g.uniform(0.28, 0.35)
        f.eyeRoundness = g.uniform(0.1, 0.8)
        f.eyeTilt = g.uniform(-0.02, 0.03)
        let irises = [PaintColor(0.30, 0.18, 0.10), PaintColor(0.15, 0.10, 0.07), PaintColor(0.25, 0.45, 0.65),
                      PaintColor(0.30, 0.45, 0.30)]
        f.iris = irises[g.int(below: irises.count)]
        f.browThickness = g.uniform(0.055, 0.09)
        f.browOffset = g.uniform(-0.04, 0.04)
        f.noseLength = g.uniform(0.20, 0.30)
        f.noseWidth = g.uniform(0.09, 0.15)
        f.mouthWidth = g.uniform(0.3, 0.37)
        f.lipThickness = g.uniform(0.04, 0.07)
        f.lips = f.skin.mixed(with: PaintColor(0.62, 0.18, 0.22), g.uniform(0.55, 0.8))
        f.hairStyle = HairStyle.allCases[g.int(below: HairStyle.allCases.count)]
        let hairs = [PaintColor(0.08, 0.06, 0.05), PaintColor(0.30, 0.18, 0.10), PaintColor(0.55, 0.38, 0.20),
                     PaintColor(0.85, 0.70, 0.40), PaintColor(0.60, 0.25, 0.10), PaintColor(0.65, 0.65, 0.65)]
        f.hair = hairs[g.int(below: hairs.count)]
        f.glasses = g.uniform() < 0.25
        let beardDraw = g.uniform()
        f.beard = beardDraw < 0.7 ? .none : beardDraw < 0.8 ? .stubble : beardDraw < 0.9 ? .moustache : .full
        let bg = g.uniform(0.35, 0.8)
        f.background = PaintColor(bg, bg + g.uniform(-0.05, 0.05), bg + g.uniform(-0.05, 0.1))
        f.clothes = PaintColor(g.uniform(0.1, 0.8), g.uniform(0.1, 0.8), g.uniform(0.1, 0.8))
        return f
    }
}
