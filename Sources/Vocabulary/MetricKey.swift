// The names of the metrics a job logs every epoch: the run log's `metrics.key` (a public format that
// users query), written by the worker and read by progress, status, reports and benchmarks.

public enum MetricKey: String, CaseIterable, Sendable {
    /// CNN baseline: the mean cross-entropy of the epoch's training batches.
    case loss
    /// CNN baseline: accuracy on the training batches as trained (augmented, train mode).
    case trainAccuracy = "accuracy.train"
    /// Accuracy on the test fold (every model, every epoch; never used to choose anything).
    case testAccuracy = "accuracy.test"
    /// Accuracy on the validation subjects (`protocol.validation`): the one to choose settings on.
    case validationAccuracy = "accuracy.validation"
    /// HA-GAN: the discriminator's objective (eq. 5) and its terms.
    case discriminatorLoss = "loss.d"
    case discriminatorExpressionReal = "loss.d.expression_real"
    case discriminatorRealPairs = "loss.d.real_pairs"
    case discriminatorGeneratedPairs = "loss.d.generated_pairs"
    case discriminatorExpressionGenerated = "loss.d.expression_generated"
    /// HA-GAN: the generator's objective (eq. 4) and its terms.
    case generatorLoss = "loss.g"
    case generatorAdversarial = "loss.g.adversarial"
    case generatorExpression = "loss.g.expression"
    case generatorL1 = "loss.g.l1"
    /// HA-GAN: D's real/fake accuracy on real and on generated pairs.
    case realPairAccuracy = "accuracy.real_pairs"
    case generatedPairAccuracy = "accuracy.generated_pairs"

    /// The metrics progress lines and `exp status` show, where a job has them.
    public static let shown: [MetricKey] = [.discriminatorLoss, .generatorLoss, .loss, .testAccuracy]
    /// What an HA-GAN epoch logs (without validation subjects).
    public static let hagan: [MetricKey] = [
        .discriminatorLoss, .discriminatorExpressionReal, .discriminatorRealPairs, .discriminatorGeneratedPairs,
        .discriminatorExpressionGenerated, .generatorLoss, .generatorAdversarial, .generatorExpression, .generatorL1,
        .realPairAccuracy, .generatedPairAccuracy, .testAccuracy,
    ]
}

extension Dictionary where Key == String, Value == Double {
    /// The value of a metric in an epoch's metrics.
    public subscript(metric: MetricKey) -> Double? {
        get { self[metric.rawValue] }
        set { self[metric.rawValue] = newValue }
    }
}
