// What a job's worker trains and tests on, prepared from the spec: the run's fold split
// (validation subjects held out of training when the spec asks), the training batches with the
// spec's augmentation, and the centre crops of the test fold, of the validation subjects and, for
// recalibrated or averaged evaluation networks, of the training images.

import FaceData
import Foundation
import Models
import NN
import RunLog
import Spec

struct JobInputs {
    let dataset: Dataset
    /// The training batches; epoch e's order and augmentation derive from the job seed and e alone.
    var train: BatchIterator
    /// The test fold's centre crops and the samples they come from, in order; nil (and no items)
    /// for a job that never sees its test fold (`protocol.test` false: nothing of those subjects
    /// is even loaded).
    let test: LabeledImages?
    let testItems: [BatchItem]
    /// The validation subjects' centre crops; nil without `protocol.validation`.
    let validation: LabeledImages?
    /// The training images' centre crops, for evaluation networks that recompute BatchNorm's
    /// statistics; nil for `evaluation` `last`.
    let calibration: Tensor?
    /// The subjects the model learns from (recorded in its checkpoint for `exp predict`).
    let trainingSubjects: [String]

    init(spec: ExperimentSpec, job: JobKey, model: ModelSpec, faces: FaceCache, seed: SeededGenerator) throws {
        dataset = try JobData.dataset(spec, cache: faces)
        let split = try JobData.folds(dataset, spec, run: job.run).split(dataset, fold: job.fold)
        let (trainIndices, validationIndices) = JobData.validationSplit(split.train, dataset: dataset, spec, run: job.run, fold: job.fold)
        let preprocessor = JobData.preprocessor(spec)
        let augmenter = JobData.augmenter(spec)
        train = BatchIterator(dataset: dataset, indices: trainIndices, preprocessor: preprocessor, augmenter: augmenter,
                              batchSize: model.batchSize, seed: seed.child("batches").seed, training: true)
        let dataset = self.dataset
        func centreCrops(_ indices: [Int]) throws -> (images: LabeledImages, items: [BatchItem]) {
            var iterator = BatchIterator(dataset: dataset, indices: indices, preprocessor: preprocessor, augmenter: augmenter,
                                         batchSize: 256, seed: 0, training: false)
            let batches = try iterator.plan(epoch: 0).map { try iterator.load($0) }
            return (LabeledImages(images: JobInputs.concatBatch(batches.map(\.images)), labels: batches.flatMap(\.labels)), batches.flatMap(\.items))
        }
        if spec.protocol.test {
            (test, testItems) = try centreCrops(split.test)
        } else {
            (test, testItems) = (nil, [])
        }
        validation = validationIndices.isEmpty ? nil : try centreCrops(validationIndices).images
        calibration = model.training.evaluation == .last ? nil : try centreCrops(trainIndices).images.images
        trainingSubjects = Set(trainIndices.map { dataset.samples[$0].subject }).sorted()
    }

    /// The final model's prediction of every test image, as the run log records them.
    func predictions(_ predicted: [Models.Prediction]) -> [RunLog.Prediction] {
        zip(testItems, predicted).enumerated().map { i, pair in
            let sample = dataset.samples[pair.0.sample]
            return RunLog.Prediction(sampleIndex: i, sampleID: Self.sampleID(sample), subject: sample.subject, trueLabel: sample.label,
                                     predictedLabel: pair.1.label, probabilities: pair.1.probabilities.map(Double.init))
        }
    }

    /// A stable name for a sample: its path, or subject/sequence/frame for generated images.
    static func sampleID(_ s: Sample) -> String {
        if case .file(let path) = s.source { return path }
        return [s.subject, s.sequence, s.frame.map(String.init)].compactMap { $0 }.joined(separator: "/")
    }

    static func concatBatch(_ parts: [Tensor]) -> Tensor {
        guard let first = parts.first else { return Tensor(zeros: [0, 1, 1, 1]) }
        var scalars: [Float] = []
        for p in parts { scalars += p.scalars }
        return Tensor(shape: [parts.reduce(0) { $0 + $1.shape[0] }] + Array(first.shape.dropFirst()), scalars: scalars)
    }
}
