// The spec's model turned into a trainer: its settings and the data's shape make the Models
// configuration, and it gives the worker one interface to the CNN baseline and HA-GAN (train an epoch, checkpoint,
// restore, predict, sample grids), its metrics named by `MetricKey`.

import FaceData
import Foundation
import Models
import NN
import Spec
import Vocabulary

final class ModelTrainer {
    private enum Kind {
        case cnn(CNNTrainer)
        case hagan(HAGANTrainer, CharacterDomain)
    }
    private let kind: Kind

    /// The model's trainer: the spec's settings as they are, with what the data decides (crop
    /// size, channels, classes, characters).
    init(spec: ExperimentSpec, model: ModelSpec, seed: SeededGenerator) throws {
        let classes = JobData.classNames(spec).count
        switch model.settings {
        case .cnn(let settings):
            var c = CNNConfig(settings: settings)
            c.imageSize = spec.dataset.cropSize
            c.expressionCount = classes
            c.channels = spec.dataset.channels
            kind = .cnn(try CNNTrainer(config: c, random: seed))
        case .hagan(let settings):
            let domain = try JobData.characterDomain(spec)
            var c = HAGANConfig(settings: settings)
            c.imageSize = spec.dataset.cropSize
            c.expressionCount = classes
            c.humanChannels = spec.dataset.channels
            c.characterChannels = domain.channels
            c.characterCount = domain.names.count
            kind = .hagan(try HAGANTrainer(config: c, random: seed), domain)
        }
    }

    var completedEpochs: Int {
        switch kind {
        case .cnn(let t): return t.completedEpochs
        case .hagan(let t, _): return t.completedEpochs
        }
    }

    /// Restores the trainer and returns the checkpoint's `extra` entries.
    func restore(_ checkpoint: Checkpoint) throws -> [String: String] {
        switch kind {
        case .cnn(let t): return try t.restore(from: checkpoint)
        case .hagan(let t, _): return try t.restore(from: checkpoint)
        }
    }

    /// The trainer's checkpoint, with `extra` metadata entries (stored under "extra.").
    func checkpoint(extra: [String: String] = [:]) -> Checkpoint {
        switch kind {
        case .cnn(let t): return t.checkpoint(extra: extra)
        case .hagan(let t, _): return t.checkpoint(extra: extra)
        }
    }

    /// Trains one epoch and returns its metrics under the run log's names; `training` (centre crops
    /// of the training images) readies recalibrated evaluation networks before the test and
    /// validation accuracies are measured.
    func trainEpoch(_ batches: LazyBatches<Batch>, training: Tensor?, test: LabeledImages?, validation: LabeledImages?,
                    pairs: inout SeededGenerator) throws -> [String: Double] {
        var out = try trainOnly(batches, training: training, test: test, pairs: &pairs)
        if let validation { out[.validationAccuracy] = accuracy(predict(validation.images), labels: validation.labels) }
        return out
    }

    private func trainOnly(_ batches: LazyBatches<Batch>, training: Tensor?, test: LabeledImages?,
                           pairs: inout SeededGenerator) throws -> [String: Double] {
        switch kind {
        case .cnn(let t):
            let m = try t.trainEpoch(batches.lazy.map { LabeledImages(images: $0.images, labels: $0.labels) }, training: training, test: test)
            var out: [String: Double] = [:]
            out[.loss] = m.loss
            out[.trainAccuracy] = m.trainAccuracy
            out[.testAccuracy] = m.testAccuracy
            return out
        case .hagan(let t, let domain):
            var stream = pairs
            let m = try t.trainEpoch(batches.lazy.map { b -> HAGANBatch in
                let p = domain.pairs(for: b.labels, stream: &stream)
                return HAGANBatch(humans: b.images, labels: b.labels, characters: p.characters,
                                  neutralCharacters: p.neutral, identities: p.identities)
            }, training: training, test: test)
            pairs = stream
            let values: [MetricKey: Double?] = [
                .discriminatorLoss: m.discriminator, .discriminatorExpressionReal: m.discriminatorExpressionReal,
                .discriminatorRealPairs: m.discriminatorRealPairs, .discriminatorGeneratedPairs: m.discriminatorGeneratedPairs,
                .discriminatorExpressionGenerated: m.discriminatorExpressionGenerated,
                .generatorLoss: m.generator, .generatorAdversarial: m.generatorAdversarial,
                .generatorExpression: m.generatorExpression, .generatorL1: m.generatorL1,
                .realPairAccuracy: m.realPairAccuracy, .generatedPairAccuracy: m.generatedPairAccuracy, .testAccuracy: m.testAccuracy,
            ]
            return Dictionary(uniqueKeysWithValues: values.compactMap { key, value in value.map { (key.rawValue, $0) } })
        }
    }

    func predict(_ images: Tensor) -> [Models.Prediction] {
        switch kind {
        case .cnn(let t): return t.predict(images)
        case .hagan(let t, _): return t.predict(images)
        }
    }

    /// HA-GAN's sample grid (the first 8 of `test`, the test images or for a job without a test
    /// fold the validation images, beside their characters) every `every` epochs and at the last;
    /// nil for the CNN or between those epochs.
    func sampleGrid(_ test: LabeledImages, every: Int, epoch: Int, last: Int) throws -> Image? {
        guard case .hagan(let t, _) = kind, every > 0, epoch % every == 0 || epoch == last, test.labels.count > 0 else { return nil }
        let n = min(8, test.labels.count)
        let per = test.images.count / test.labels.count
        let humans = Tensor(shape: [n] + Array(test.images.shape.dropFirst()), scalars: Array(test.images.scalars[0..<(n * per)]))
        let grid = t.sampleGrid(humans)
        return Image(width: grid.width, height: grid.height, channels: grid.channels, pixels: grid.pixels)
    }
}
