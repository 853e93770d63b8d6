// What the trainers consume and produce: batches of tensors (the data module turns images into them),
// labelled test images, per-sample predictions, per-epoch metrics, and the divergence error.
// Images are NCHW tensors in [-1, 1] (`Image.tensor` in FaceData makes them).

import NN

/// One HA-GAN training batch (sections 3.1 and 5.1).
public struct HAGANBatch {
    /// I_HE: human expression images [N, humanChannels, S, S].
    public var humans: Tensor
    /// E: the expression label of each human image.
    public var labels: [Int]
    /// I_AE: a real character image with the same expression as each human image (drawn from the
    /// character set by the batch's provider with its seeded stream) [N, characterChannels, S, S].
    public var characters: Tensor
    /// I_AN: the neutral image of each sample's character [N, characterChannels, S, S].
    public var neutralCharacters: Tensor
    /// Id_AN: the character index of each sample (its one-hot vector is built by the trainer).
    public var identities: [Int]

    public init(humans: Tensor, labels: [Int], characters: Tensor, neutralCharacters: Tensor, identities: [Int]) {
        self.humans = humans
        self.labels = labels
        self.characters = characters
        self.neutralCharacters = neutralCharacters
        self.identities = identities
    }
}

/// Labelled human images: a CNN training batch, or a test fold's centre crops.
public struct LabeledImages {
    /// [N, C, S, S] in [-1, 1].
    public var images: Tensor
    public var labels: [Int]

    public init(images: Tensor, labels: [Int]) {
        precondition(images.rank == 4 && images.shape[0] == labels.count,
                     "LabeledImages: \(labels.count) labels for images \(images.shape)")
        self.images = images
        self.labels = labels
    }
}

/// The predicted expression of one image with the class probabilities behind it.
public struct Prediction: Equatable, Sendable, Codable {
    public var label: Int
    public var probabilities: [Float]

    /// The argmax of `probabilities` (the first on ties).
    public init(probabilities: [Float]) {
        self.probabilities = probabilities
        var best = 0
        for k in probabilities.indices where probabilities[k] > probabilities[best] { best = k }
        label = best
    }
}

/// Fraction of predictions equal to their labels.
public func accuracy(_ predictions: [Prediction], labels: [Int]) -> Double {
    precondition(predictions.count == labels.count, "accuracy: \(predictions.count) predictions for \(labels.count) labels")
    guard !labels.isEmpty else { return 0 }
    return Double(zip(predictions, labels).filter { $0.label == $1 }.count) / Double(labels.count)
}

/// A loss that became NaN or infinite: the job ends as "diverged" (a recorded outcome, not a crash).
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// `epoch` and `step` count from 1; `term` names the loss.
    case diverged(epoch: Int, step: Int, term: String, value: Float)
    /// An epoch got no batches (an empty training set, or batches that could not be loaded).
    case emptyEpoch(epoch: Int)

    public var description: String {
        switch self {
        case .diverged(let epoch, let step, let term, let value):
            return "training diverged at epoch \(epoch), step \(step): loss '\(term)' is \(value); try a lower learning rate or another seed"
        case .emptyEpoch(let epoch):
            return "epoch \(epoch) has no training batches: the training fold is empty or its batches could not be loaded"
        }
    }
}

/// HA-GAN's per-step losses (means over the batch). D terms are before the division by two.
public struct HAGANStepLosses: Equatable, Sendable {
    /// Eq. (5) expression term: CE of D^e on real pairs.
    public var discriminatorExpressionReal: Float = 0
    /// BCE of D^R on real pairs with target "real".
    public var discriminatorRealPairs: Float = 0
    /// BCE of D^R on generated pairs with target "fake".
    public var discriminatorGeneratedPairs: Float = 0
    /// CE of D^e on generated pairs; part of the D objective only with `discriminatorExpressionOnGenerated`.
    public var discriminatorExpressionGenerated: Float = 0
    /// The D objective: the sum of the D terms divided by two (section 5.1).
    public var discriminator: Float = 0
    /// Eq. (3) non-saturating adversarial term: BCE of D^R on generated pairs with target "real".
    public var generatorAdversarial: Float = 0
    /// Eq. (3) expression term: CE of D^e on generated pairs.
    public var generatorExpression: Float = 0
    /// Eq. (4): mean |G(...) - I_AN| (before the weight lambda).
    public var generatorL1: Float = 0
    /// The G objective: adversarial + expression + lambda * L1.
    public var generator: Float = 0
    /// D^e's correct predictions on the real and on the generated pairs of the D step.
    public var correctReal = 0, correctGenerated = 0
    public var count = 0
}

/// HA-GAN's metrics for one epoch: step losses averaged over the epoch's steps.
public struct HAGANEpochMetrics: Equatable, Sendable, Codable {
    /// The epoch these metrics describe, counting from 1.
    public var epoch: Int
    public var steps: Int
    public var discriminatorExpressionReal: Double
    public var discriminatorRealPairs: Double
    public var discriminatorGeneratedPairs: Double
    public var discriminatorExpressionGenerated: Double
    public var discriminator: Double
    public var generatorAdversarial: Double
    public var generatorExpression: Double
    public var generatorL1: Double
    public var generator: Double
    /// D^e accuracy on the epoch's real and generated training pairs.
    public var realPairAccuracy: Double
    public var generatedPairAccuracy: Double
    /// Test accuracy for monitoring only (never used to select an epoch); nil without a test set.
    public var testAccuracy: Double?
}

/// CNN baseline metrics for one epoch.
public struct CNNEpochMetrics: Equatable, Sendable, Codable {
    public var epoch: Int
    public var steps: Int
    /// Mean cross-entropy over the epoch's steps.
    public var loss: Double
    public var trainAccuracy: Double
    /// Monitoring only; nil without a test set.
    public var testAccuracy: Double?
}

/// One-hot rows [N, classes] for integer indices.
func oneHot(_ indices: [Int], classes: Int) -> Tensor {
    var t = Tensor(zeros: [indices.count, classes])
    for (i, k) in indices.enumerated() {
        precondition(k >= 0 && k < classes, "identity \(k) outside 0..<\(classes)")
        t.scalars[i * classes + k] = 1
    }
    return t
}

/// Argmax per row of logits [N, K] compared with labels: the number correct.
func correctCount(_ logits: Tensor, _ labels: [Int]) -> Int {
    let k = logits.shape[1]
    var correct = 0
    for (i, y) in labels.enumerated() {
        var best = 0
        for j in 1..<k where logits.scalars[i * k + j] > logits.scalars[i * k + best] { best = j }
        if best == y { correct += 1 }
    }
    return correct
}

/// Rows [from, to) of a batched tensor.
func rows(_ t: Tensor, _ range: Range<Int>) -> Tensor {
    let per = t.rows.features
    return Tensor(shape: [range.count] + t.shape.dropFirst(), scalars: Array(t.scalars[(range.lowerBound * per)..<(range.upperBound * per)]))
}
