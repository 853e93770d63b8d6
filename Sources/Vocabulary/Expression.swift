// Expressions and class sets. The class order is explicit and fixed, because a label is an index
// into it and trained models, confusion matrices and reports depend on that index:
//   0 anger, 1 disgust, 2 fear, 3 happiness, 4 sadness, 5 surprise, then 6 neutral (basic7)
//   or 6 contempt (basic6+contempt, CK+ only).

/// A facial expression as the datasets label it.
public enum Expression: String, Codable, CaseIterable, Sendable, Comparable {
    case anger, disgust, fear, happiness, sadness, surprise, neutral, contempt

    /// The six basic expressions, in label order.
    public static let basic6: [Expression] = [.anger, .disgust, .fear, .happiness, .sadness, .surprise]

    public static func < (a: Expression, b: Expression) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Reads the usual spellings in folder and file names (case-insensitive): "happy", "joy",
    /// "angry", "sad", "surprised", ...; nil for anything else.
    public init?(name: String) {
        switch name.lowercased() {
        case "anger", "angry", "an": self = .anger
        case "disgust", "disgusted", "di": self = .disgust
        case "fear", "fearful", "afraid", "fe": self = .fear
        case "happiness", "happy", "joy", "ha": self = .happiness
        case "sadness", "sad", "sa": self = .sadness
        case "surprise", "surprised", "su": self = .surprise
        case "neutral", "ne": self = .neutral
        case "contempt", "co": self = .contempt
        default: return nil
        }
    }
}

/// Which expressions a dataset is classified into, in label order (spec key `dataset.classes`).
public enum ClassSet: String, SpecChoice {
    /// anger, disgust, fear, happiness, sadness, surprise (the paper's six classes).
    case basic6
    /// basic6, then neutral.
    case basic7
    /// basic6, then contempt (CK+'s seven labelled emotions).
    case basic6Contempt = "basic6+contempt"

    public var expressions: [Expression] {
        switch self {
        case .basic6: return Expression.basic6
        case .basic7: return Expression.basic6 + [.neutral]
        case .basic6Contempt: return Expression.basic6 + [.contempt]
        }
    }

    /// Class names in label order.
    public var names: [String] { expressions.map(\.rawValue) }

    /// The label index of an expression, or nil when this class set drops it.
    public func label(of expression: Expression) -> Int? {
        expressions.firstIndex(of: expression)
    }

    public var includesNeutral: Bool { expressions.contains(.neutral) }
}
