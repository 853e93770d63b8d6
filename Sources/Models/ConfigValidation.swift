// Validation errors for the model configurations: a checkpoint's configuration is checked before
// anything is sized from it, and an out-of-range value is named with what to use instead.

import NN
import Vocabulary

/// A configuration value the model cannot use (a damaged or forged checkpoint).
public enum ModelConfigError: Error, CustomStringConvertible, Equatable {
    case invalid(key: String, value: String, requirement: String)

    public var description: String {
        switch self {
        case .invalid(let key, let value, let requirement):
            return "model setting '\(key)' = \(value) is not usable: \(requirement)"
        }
    }
}

/// Checks the settings both models have.
func validate(training t: TrainingSettings) throws {
    try require(t.averageDecay.map { $0 > 0 && $0 < 1 } ?? true, "averageDecay", t.decay, "use a decay in (0, 1) such as 0.999")
    try validate(AdamSettings(t.adam), key: "adam")
    try require(TrainingSettings.batchSizeRange.contains(t.batchSize), "batchSize", t.batchSize,
                "use 2 to 4096 (batch normalisation needs more than one image; the paper uses 130)")
    try require(t.epochs >= 1, "epochs", t.epochs, "use at least 1 epoch (the paper uses 200)")
}

/// Checks one Adam setting group, naming it `key` in errors.
func validate(_ adam: AdamSettings, key: String) throws {
    guard adam.lr > 0, adam.lr.isFinite else {
        throw ModelConfigError.invalid(key: "\(key).lr", value: "\(adam.lr)", requirement: "use a positive learning rate such as 0.0002")
    }
    for (name, beta) in [("beta1", adam.beta1), ("beta2", adam.beta2)] where !(beta >= 0 && beta < 1) {
        throw ModelConfigError.invalid(key: "\(key).\(name)", value: "\(beta)", requirement: "use a value in [0, 1)")
    }
    guard adam.eps > 0, adam.eps.isFinite else {
        throw ModelConfigError.invalid(key: "\(key).eps", value: "\(adam.eps)", requirement: "use a small positive value such as 1e-8")
    }
}

/// Throws `invalid` for `key` unless `condition` holds.
func require(_ condition: Bool, _ key: String, _ value: Any, _ requirement: String) throws {
    if !condition { throw ModelConfigError.invalid(key: key, value: "\(value)", requirement: requirement) }
}
