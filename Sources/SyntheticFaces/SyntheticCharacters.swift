// SyntheticCharacters: stylised animated characters with pure expressions, the synthetic stand-in for
// FERG-DB (Aneja et al. 2016) in the paper's setting (sections 1 and 3): one fixed identity per
// character, full-intensity EMFACS prototypes and a neutral pose, drawn in the cartoon style (big
// eyes, outlines, flat colours) with only a tiny render jitter. Each image carries its control
// vector (the "rig parameters"). `neutral(character:)` is the jitter-free neutral image that
// HA-GAN's L1 term pulls the generator towards.

import FaceData
import NN
import Vocabulary

/// A fixed stylised identity.
public struct SyntheticCharacter: Sendable {
    public let name: String
    public let identity: FaceIdentity

    /// The built-in characters, in index order.
    public static let all: [SyntheticCharacter] = [mira, otto, kai]

    public static let mira: SyntheticCharacter = {
        var f = FaceIdentity()
        f.style = .cartoon
        f.headWidth = 0.84
        f.headHeight = 0.95
        f.jawTaper = 0.45
        f.skin = PaintColor(1.0, 0.87, 0.76)
        f.eyeSize = 1.55
        f.eyeSpacing = 0.34
        f.eyeRoundness = 0.9
        f.iris = PaintColor(0.2, 0.6, 0.35)
        f.browThickness = 0.04
        f.noseLength = 0.16
        f.mouthWidth = 0.22
        f.lipThickness = 0.03
        f.lips = PaintColor(0.9, 0.4, 0.45)
        f.hairStyle = .long
        f.hair = PaintColor(0.8, 0.25, 0.45)
        f.background = PaintColor(0.72, 0.88, 0.86)
        f.clothes = PaintColor(0.95, 0.8, 0.3)
        return SyntheticCharacter(name: "mira", identity: f)
    }()

    public static let otto: SyntheticCharacter = {
        var f = FaceIdentity()
        f.style = .cartoon
        f.headWidth = 0.86
        f.headHeight = 0.92
        f.jawTaper = 0.05
        f.skin = PaintColor(0.85, 0.62, 0.42)
        f.eyeSize = 1.45
        f.eyeSpacing = 0.36
        f.eyeRoundness = 1
        f.iris = PaintColor(0.2, 0.4, 0.85)
        f.browThickness = 0.06
        f.noseLength = 0.18
        f.mouthWidth = 0.25
        f.lipThickness = 0.03
        f.lips = PaintColor(0.75, 0.4, 0.35)
        f.hairStyle = .short
        f.hair = PaintColor(0.98, 0.72, 0.15)
        f.glasses = true
        f.background = PaintColor(0.98, 0.93, 0.72)
        f.clothes = PaintColor(0.3, 0.6, 0.9)
        return SyntheticCharacter(name: "otto", identity: f)
    }()

    public static let kai: SyntheticCharacter = {
        var f = FaceIdentity()
        f.style = .cartoon
        f.headWidth = 0.82
        f.headHeight = 0.98
        f.jawTaper = 0.25
        f.skin = PaintColor(0.55, 0.36, 0.25)
        f.eyeSize = 1.5
        f.eyeSpacing = 0.33
        f.eyeRoundness = 0.7
        f.iris = PaintColor(0.35, 0.2, 0.1)
        f.browThickness = 0.055
        f.noseLength = 0.17
        f.mouthWidth = 0.24
        f.lipThickness = 0.035
        f.lips = PaintColor(0.6, 0.3, 0.28)
        f.hairStyle = .curly
        f.hair = PaintColor(0.12, 0.1, 0.12)
        f.background = PaintColor(0.85, 0.8, 0.95)
        f.clothes = PaintColor(0.85, 0.3, 0.25)
        return SyntheticCharacter(name: "kai", identity: f)
    }()
}

/// One character image and its rig parameters.
public struct CharacterRecord: Sendable {
    public let image: Image
    public let label: Expression
    /// Index into `SyntheticCharacters.characters`.
    public let character: Int
    /// Index of the image among those of its character and class.
    public let index: Int
    /// The Action-Unit controls the image was drawn from.
    public let rig: ExpressionControls
}

public struct SyntheticCharacters: Sendable {
    public let characters: [SyntheticCharacter]
    public let seed: UInt64
    public let size: Int
    public let channels: Int
    public let classes: [Expression]
    public let imagesPerClass: Int
    /// 1: the default tiny jitter; 0: every image of a class is identical.
    public let jitter: Float

    public init(characters: [SyntheticCharacter] = SyntheticCharacter.all, seed: UInt64, size: Int = 64,
                channels: Int = 3, classes: [Expression] = Expression.drawable, imagesPerClass: Int = 1,
                jitter: Float = 1) {
        precondition(classes.allSatisfy(Expression.drawable.contains),
                     "SyntheticCharacters(classes: \(classes.map(\.rawValue))): \(Expression.contemptNotDrawable)")
        precondition(!characters.isEmpty && size >= 8 && (channels == 1 || channels == 3) && imagesPerClass > 0
                     && !classes.isEmpty && jitter >= 0,
                     "SyntheticCharacters(characters: \(characters.count), size: \(size), channels: \(channels), "
                     + "imagesPerClass: \(imagesPerClass), classes: \(classes.count), jitter: \(jitter))")
        self.characters = characters
        self.seed = seed
        self.size = size
        self.channels = channels
        self.classes = classes
        self.imagesPerClass = imagesPerClass
        self.jitter = jitter
    }

    /// Every record, character by character, class by class.
    public func records() -> [CharacterRecord] {
        var out = [CharacterRecord]()
        for c in characters.indices {
            for label in classes {
                for i in 0..<imagesPerClass { out.append(record(character: c, label: label, index: i)) }
            }
        }
        return out
    }

    /// Image `index` of a character showing `label` at full intensity.
    public func record(character c: Int, label: Expression, index: Int) -> CharacterRecord {
        precondition(characters.indices.contains(c), "character \(c) outside 0..<\(characters.count)")
        var g = SeededGenerator(seed: seed).child("synthetic-characters").child(characters[c].name)
            .child(label.rawValue, index)
        let j = jitter
        let placement = Placement(rotation: g.uniform(-0.02, 0.02) * j, scale: 1 + g.uniform(-0.015, 0.015) * j,
                                  shift: [g.uniform(-0.008, 0.008) * j, g.uniform(-0.008, 0.008) * j])
        return draw(character: c, label: label, index: index, placement: placement)
    }

    /// The character's neutral face without jitter (the L1 target of HA-GAN's generator, eq. 4).
    public func neutral(character c: Int) -> CharacterRecord {
        precondition(characters.indices.contains(c), "character \(c) outside 0..<\(characters.count)")
        return draw(character: c, label: .neutral, index: 0, placement: Placement())
    }

    private func draw(character c: Int, label: Expression, index: Int, placement: Placement) -> CharacterRecord {
        let rig = label.prototype
        var canvas = Canvas(width: size, height: size, channels: channels)
        FaceRenderer.draw(characters[c].identity, controls: rig, placement: placement, on: &canvas)
        return CharacterRecord(image: canvas.image, label: label, character: c, index: index, rig: rig)
    }
}
