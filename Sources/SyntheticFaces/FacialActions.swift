// Expression controls shaped like FACS Action Units and the EMFACS prototypes of the six basic
// emotions (Friesen and Ekman 1983), as the synthetic faces draw FaceData's `Expression`s.

import FaceData
import Vocabulary

/// The Action Units the synthetic faces can show, each a control in [0, 1] (0 = absent).
public enum ActionUnit: Int, CaseIterable, Sendable, Codable {
    case innerBrowRaiser = 1
    case outerBrowRaiser = 2
    case browLowerer = 4
    case upperLidRaiser = 5
    case cheekRaiser = 6
    case lidTightener = 7
    case noseWrinkler = 9
    case upperLipRaiser = 10
    case lipCornerPuller = 12
    case lipCornerDepressor = 15
    case lowerLipDepressor = 16
    case lipStretcher = 20
    case lipTightener = 23
    case lipPressor = 24
    case jawDrop = 26

    /// "AU1", "AU12": the column names of the rig-parameter files.
    public var code: String { "AU\(rawValue)" }
}

extension Expression {
    /// The expressions the synthetic faces can draw, in label order: the six basic emotions, then
    /// neutral. Contempt is not among them: its prototype is a one-sided lip-corner pull with AU14
    /// (dimpler), and the face rig is symmetric and has no AU14.
    public static let drawable: [Expression] = basic6 + [.neutral]

    /// Why `contempt` cannot be drawn, for error messages.
    public static let contemptNotDrawable =
        "the synthetic faces cannot draw contempt: its prototype is a one-sided AU12 + AU14, which the symmetric "
        + "face rig lacks"

    /// The EMFACS prototype: the Action Units at full intensity (empty for neutral).
    /// Only for the `drawable` expressions.
    public var prototypeUnits: [ActionUnit] {
        switch self {
        case .happiness: [.cheekRaiser, .lipCornerPuller]
        case .sadness: [.innerBrowRaiser, .browLowerer, .lipCornerDepressor]
        case .surprise: [.innerBrowRaiser, .outerBrowRaiser, .upperLidRaiser, .jawDrop]
        case .fear: [.innerBrowRaiser, .outerBrowRaiser, .browLowerer, .upperLidRaiser, .lidTightener,
                     .lipStretcher, .jawDrop]
        case .anger: [.browLowerer, .upperLidRaiser, .lidTightener, .lipTightener]
        case .disgust: [.noseWrinkler, .lipCornerDepressor, .lowerLipDepressor]
        case .neutral: []
        case .contempt: preconditionFailure("Expression.prototypeUnits: \(Expression.contemptNotDrawable)")
        }
    }

    /// The prototype as a control vector.
    public var prototype: ExpressionControls {
        var c = ExpressionControls()
        for unit in prototypeUnits { c[unit] = 1 }
        return c
    }
}

/// One value in [0, 1] per Action Unit, in `ActionUnit.allCases` order: the "rig parameters".
public struct ExpressionControls: Equatable, Sendable, Codable {
    public static let count = ActionUnit.allCases.count

    public var values: [Float]

    public init() { values = [Float](repeating: 0, count: Self.count) }

    public init(values: [Float]) {
        precondition(values.count == Self.count, "ExpressionControls needs \(Self.count) values, got \(values.count)")
        self.values = values
    }

    public subscript(unit: ActionUnit) -> Float {
        get { values[Self.index(unit)] }
        set { values[Self.index(unit)] = newValue }
    }

    static func index(_ unit: ActionUnit) -> Int {
        switch unit {
        case .innerBrowRaiser: 0
        case .outerBrowRaiser: 1
        case .browLowerer: 2
        case .upperLidRaiser: 3
        case .cheekRaiser: 4
        case .lidTightener: 5
        case .noseWrinkler: 6
        case .upperLipRaiser: 7
        case .lipCornerPuller: 8
        case .lipCornerDepressor: 9
        case .lowerLipDepressor: 10
        case .lipStretcher: 11
        case .lipTightener: 12
        case .lipPressor: 13
        case .jawDrop: 14
        }
    }

    /// `self * (1 - t) + other * t`.
    public func blended(with other: ExpressionControls, _ t: Float) -> ExpressionControls {
        ExpressionControls(values: zip(values, other.values).map { $0 + ($1 - $0) * t })
    }

    /// Every control multiplied by `factor`.
    public func scaled(_ factor: Float) -> ExpressionControls {
        ExpressionControls(values: values.map { $0 * factor })
    }

    /// Every control clamped to [0, 1].
    public func clamped() -> ExpressionControls {
        ExpressionControls(values: values.map { min(1, max(0, $0)) })
    }
}
