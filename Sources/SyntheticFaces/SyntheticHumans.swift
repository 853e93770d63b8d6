// SyntheticHumans: in-memory synthetic human subjects and their expression sequences.
// Each subject is a fixed identity draw from the seed plus a personal expression bias; each sequence
// runs from neutral to a peak expression, as in CK+ (Lucey et al. 2010). The peak is impure (a
// partial blend with another emotion, the subject's bias, per-unit jitter) and of varying intensity;
// each image carries nuisances (head rotation, shift and scale, a lighting gradient, sensor noise).
// This is the human side of the paper's setting (sections 1 and 3): many identities, uneven
// expressions. Every record is a pure function of (seed, subject, class, sequence, frame).

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import FaceData
import NN
import Vocabulary

/// How much the human images vary besides identity and expression class.
public struct HumanVariation: Equatable, Sendable {
    /// Peak intensity of a sequence, drawn uniformly (1: the full prototype).
    public var intensity: ClosedRange<Float> = 0.5...1
    /// Largest weight of the blend with another emotion's prototype.
    public var impurity: Float = 0.3
    /// Amplitude of the per-subject Action-Unit offsets.
    public var subjectBias: Float = 0.12
    /// Standard deviation of the per-image, per-unit jitter.
    public var jitter: Float = 0.05
    /// Largest head rotation in radians.
    public var rotation: Float = 0.07
    /// Largest shift of the face centre, as a fraction of the image size.
    public var shift: Float = 0.025
    public var scale: ClosedRange<Float> = 0.95...1.05
    /// Largest brightness change across the image from the lighting gradient.
    public var lighting: Float = 0.35
    /// Largest standard deviation of the sensor noise (in [0, 1] pixel units).
    public var noise: Float = 0.03

    public init() {}

    public static let standard = HumanVariation()

    /// Pure prototypes at full intensity, centred, no lighting or noise: for pictures and checks.
    public static let none: HumanVariation = {
        var v = HumanVariation()
        v.intensity = 1...1
        v.impurity = 0
        v.subjectBias = 0
        v.jitter = 0
        v.rotation = 0
        v.shift = 0
        v.scale = 1...1
        v.lighting = 0
        v.noise = 0
        return v
    }()
}

/// A synthetic person: identity and personal expression habits.
public struct SyntheticSubject: Sendable {
    /// 0-based index; `name` is the CK+-style "S001" for index 0.
    public let index: Int
    public let identity: FaceIdentity
    /// Added to every expression of this subject (a resting frown, habitually raised brows...).
    public let bias: ExpressionControls
    /// Multiplies each unit of the subject's expressions (some smile broadly, some barely).
    public let gain: [Float]

    public var name: String {
        let digits = String(index + 1)
        return "S" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }
}

/// One synthetic human image and what it shows.
public struct HumanRecord: Sendable {
    public let image: Image
    public let label: Expression
    public let subject: Int
    /// Index of the sequence among all of this subject's sequences (0-based).
    public let sequence: Int
    public let frame: Int
    /// 0 at the neutral start of a sequence, the peak intensity at its last frame.
    public let intensity: Float
    public let controls: ExpressionControls
    /// The 68 landmarks in pixel coordinates (iBUG order).
    public let landmarks: [SIMD2<Float>]
}

public struct SyntheticHumans: Sendable {
    public let seed: UInt64
    public let size: Int
    public let channels: Int
    public let classes: [Expression]
    public let sequencesPerClass: Int
    public let framesPerSequence: Int
    public let variation: HumanVariation
    public let subjects: [SyntheticSubject]

    /// `subjects` people, each with `sequencesPerClass` sequences of every class in `classes`, each
    /// of `framesPerSequence` frames from neutral to the peak (1 frame: the peak alone).
    /// `classes` must be among `Expression.drawable`.
    public init(subjects: Int, seed: UInt64, size: Int = 64, channels: Int = 1,
                classes: [Expression] = Expression.drawable, sequencesPerClass: Int = 1, framesPerSequence: Int = 1,
                variation: HumanVariation = .standard) {
        precondition(classes.allSatisfy(Expression.drawable.contains),
                     "SyntheticHumans(classes: \(classes.map(\.rawValue))): \(Expression.contemptNotDrawable)")
        precondition(subjects > 0 && size >= 8 && (channels == 1 || channels == 3) && sequencesPerClass > 0
                     && framesPerSequence > 0 && !classes.isEmpty,
                     "SyntheticHumans(subjects: \(subjects), size: \(size), channels: \(channels), "
                     + "sequencesPerClass: \(sequencesPerClass), framesPerSequence: \(framesPerSequence), "
                     + "classes: \(classes.count))")
        self.seed = seed
        self.size = size
        self.channels = channels
        self.classes = classes
        self.sequencesPerClass = sequencesPerClass
        self.framesPerSequence = framesPerSequence
        self.variation = variation
        let root = SeededGenerator(seed: seed).child("synthetic-humans")
        self.subjects = (0..<subjects).map { i in
            var g = root.child("subject", i)
            let identity = FaceIdentity.random(&g)
            var bias = ExpressionControls()
            var gain = [Float]()
            for k in 0..<ExpressionControls.count {
                bias.values[k] = g.uniform(-1, 1) * variation.subjectBias
                gain.append(1 + g.uniform(-1, 1) * variation.subjectBias * 2)
            }
            return SyntheticSubject(index: i, identity: identity, bias: bias, gain: gain)
        }
    }

    /// Sequences per subject.
    public var sequencesPerSubject: Int { classes.count * sequencesPerClass }

    /// Every record, subject by subject, sequence by sequence, frame by frame.
    public func records() -> [HumanRecord] {
        var out = [HumanRecord]()
        out.reserveCapacity(subjects.count * sequencesPerSubject * framesPerSequence)
        for s in subjects.indices {
            for q in 0..<sequencesPerSubject {
                for f in 0..<framesPerSequence { out.append(record(subject: s, sequence: q, frame: f)) }
            }
        }
        return out
    }

    /// The class of a subject's sequence `sequence` (sequences cycle through `classes`).
    public func label(sequence: Int) -> Expression { classes[sequence % classes.count] }

    /// One frame of one sequence.
    public func record(subject s: Int, sequence q: Int, frame f: Int) -> HumanRecord {
        precondition(subjects.indices.contains(s) && (0..<sequencesPerSubject).contains(q)
                     && (0..<framesPerSequence).contains(f),
                     "record(subject: \(s), sequence: \(q), frame: \(f)) outside \(subjects.count) subjects, "
                     + "\(sequencesPerSubject) sequences, \(framesPerSequence) frames")
        let subject = subjects[s]
        let label = label(sequence: q)
        let v = variation
        // Per-sequence draws: peak, impurity, pose, lighting. Per-frame draws: jitter and noise.
        var g = SeededGenerator(seed: seed).child("synthetic-humans").child("subject", s).child("sequence", q)
        let peak = g.uniform(v.intensity.lowerBound, v.intensity.upperBound)
        let others = Expression.basic6.filter { $0 != label }
        let partner = others[g.int(below: others.count)]
        let blend = g.uniform(0, v.impurity)
        let rotation = g.uniform(-v.rotation, v.rotation)
        let shift = SIMD2<Float>(g.uniform(-v.shift, v.shift), g.uniform(-v.shift, v.shift))
        let scale = g.uniform(v.scale.lowerBound, v.scale.upperBound)
        let lightAngle = g.uniform(0, 2 * Float.pi)
        let lightStrength = g.uniform(0, v.lighting)
        let brightness = 1 + g.uniform(-0.5, 0.5) * v.lighting * 0.5
        let noiseLevel = g.uniform(0.3, 1) * v.noise

        var peakControls = label.prototype
        if label != .neutral {
            peakControls = peakControls.blended(with: partner.prototype, blend).scaled(peak)
            for k in 0..<ExpressionControls.count { peakControls.values[k] *= subject.gain[k] }
        } else {
            peakControls = partner.prototype.scaled(blend * 0.5 * peak)
        }
        var frameGenerator = g.child("frame", f)
        let progress: Float = framesPerSequence == 1 ? 1 : Float(f) / Float(framesPerSequence - 1)
        let eased = progress * progress * (3 - 2 * progress)
        var controls = ExpressionControls()
        for k in 0..<ExpressionControls.count {
            let value = subject.bias.values[k] + peakControls.values[k] * eased
            controls.values[k] = value + frameGenerator.normal() * v.jitter
        }
        controls = controls.clamped()

        var canvas = Canvas(width: size, height: size, channels: channels)
        let placement = Placement(rotation: rotation + 0.01 * progress * (rotation < 0 ? -1 : 1), scale: scale,
                                  shift: shift)
        let landmarks = FaceRenderer.draw(subject.identity, controls: controls, placement: placement, on: &canvas)
        let direction = SIMD2<Float>(cosf(lightAngle), sinf(lightAngle))
        Nuisance.light(&canvas, direction: direction, strength: lightStrength, brightness: brightness)
        Nuisance.noise(&canvas, level: noiseLevel, generator: &frameGenerator)
        return HumanRecord(image: canvas.image, label: label, subject: s, sequence: q, frame: f,
                           intensity: label == .neutral ? 0 : peak * eased, controls: controls, landmarks: landmarks)
    }
}

/// Whole-image nuisances applied after drawing.
private enum Nuisance {
    /// Multiplies the image by a linear ramp along `direction` (1 - strength/2 ... 1 + strength/2)
    /// and by `brightness`.
    static func light(_ canvas: inout Canvas, direction: SIMD2<Float>, strength: Float, brightness: Float) {
        if strength == 0 && brightness == 1 { return }
        let w = canvas.width, h = canvas.height, c = canvas.channels
        canvas.withPixels { px in
            for y in 0..<h {
                for x in 0..<w {
                    let u = (Float(x) + 0.5) / Float(w) - 0.5, v = (Float(y) + 0.5) / Float(h) - 0.5
                    let gain = brightness * (1 + strength * (u * direction.x + v * direction.y))
                    for ch in 0..<c { px[(ch * h + y) * w + x] *= gain }
                }
            }
        }
    }

    /// Adds zero-mean noise of standard deviation `level` (a triangular draw: two uniforms).
    static func noise(_ canvas: inout Canvas, level: Float, generator: inout SeededGenerator) {
        if level == 0 { return }
        let k = level * Float(6).squareRoot()
        canvas.withPixels { px in
            for i in px.indices { px[i] += (generator.uniform() + generator.uniform() - 1) * k }
        }
    }
}
