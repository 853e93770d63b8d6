// What one job trains and tests on, built from the spec: the human dataset (any FaceData kind,
// the synthetic one included) with its faces aligned (section 5.1; detection and aligned faces
// cached in the results folder, so each image is detected once for every job), the
// subject-independent fold split of the job's run, the training
// batches with the spec's augmentation, the test fold's centre crops, and, for HA-GAN, the
// character domain (section 5.2: FERG-DB, or the synthetic characters) with one neutral image per
// character (the L1 target of eq. 4) and real images per expression (the real pairs of eq. 5).

import FaceData
import Foundation
import Models
import NN
import RunLog
import Spec
import SyntheticFaces
import Vocabulary

public enum JobData {
    /// The loaders of every dataset kind a spec can name.
    public static var loaders: DatasetLoaders {
        var l = DatasetLoaders.builtIn
        l.register(SyntheticDatasetLoader())
        return l
    }

    /// The FaceData description of the spec's human dataset: its kind's typed source.
    public static func description(_ spec: ExperimentSpec) -> DatasetDescription {
        let d = spec.dataset
        let source: DatasetSource
        switch d.kind {
        case .ckplus:
            source = .ckplus(frames: d.frames ?? .last3, images: d.imagesFolder ?? "cohn-kanade-images", emotion: d.emotionFolder ?? "Emotion",
                             landmarks: d.landmarksFolder ?? "Landmarks")
        case .oulu: source = .oulu(frames: d.frames ?? .last3)
        case .mmi: source = .mmi(frames: d.frames ?? .middle3, labels: d.labelsFile ?? "labels.csv")
        case .folder: source = .folder(subjectPattern: d.subjectPattern ?? DatasetSpec.defaultSubjectPattern)
        case .csv: source = .manifest(file: "manifest.csv")
        case .synthetic:
            source = .synthetic(SyntheticSource(subjects: d.subjects ?? 24, imagesPerExpression: d.imagesPerExpression ?? 3, size: d.imageSize,
                                                channels: d.channels, seed: spec.seed))
        }
        return DatasetDescription(source: source, root: d.root ?? "", classes: d.classes, openface: d.openface, skipUnreadable: d.skipUnreadable)
    }

    /// The spec's face alignment choices.
    public static func alignmentSettings(_ spec: ExperimentSpec) -> AlignmentSettings {
        AlignmentSettings(method: spec.dataset.alignMethod, noFace: spec.dataset.noFacePolicy, geometry: spec.dataset.alignmentGeometry)
    }

    /// The preprocessing of the spec's face images (channels, image size, eye positions).
    public static func preprocessor(_ spec: ExperimentSpec) -> Preprocessor {
        Preprocessor(channels: spec.dataset.channels, imageSize: spec.dataset.imageSize, eyes: alignmentSettings(spec).eyes)
    }

    /// Loads the human dataset and aligns its faces. File datasets go through `FaceAligner`, which
    /// decodes every file not already in `cache` (so unreadable ones are found now), detects faces
    /// where the spec asks, and applies `noFace`. Synthetic faces are drawn aligned and are used as
    /// they are.
    public static func dataset(_ spec: ExperimentSpec, cache: FaceCache? = nil, stopOnNoFace: Bool = true) throws -> Dataset {
        guard spec.dataset.kind != .synthetic else { return try loaders.load(description(spec)) }
        var dataset = try loaders.load(description(spec), checkImages: false)
        let aligner = FaceAligner(settings: alignmentSettings(spec), channels: spec.dataset.channels,
                                  imageSize: spec.dataset.imageSize, cache: cache)
        try aligner.align(&dataset, stopOnNoFace: stopOnNoFace)
        return dataset
    }

    /// Class names in label order.
    public static func classNames(_ spec: ExperimentSpec) -> [String] { spec.dataset.classes.names }

    /// The subject-to-fold assignment of a run (the same in the coordinator and every worker).
    public static func folds(_ dataset: Dataset, _ spec: ExperimentSpec, run: Int) throws -> FoldAssignment {
        try FoldAssignment(dataset: dataset, folds: spec.protocol.folds,
                           seed: SeedDerivation.splitSeed(experimentSeed: spec.seed, run: run))
    }

    /// The training and validation images of a fold: with `protocol.validation`, that share of the
    /// fold's training subjects (at least one, rounded) is held out as validation subjects, drawn
    /// from the run's split seed and the fold alone; every image of a subject goes to the same
    /// side. Without it, every training image trains and the validation set is empty.
    public static func validationSplit(_ train: [Int], dataset: Dataset, _ spec: ExperimentSpec, run: Int, fold: Int)
        -> (train: [Int], validation: [Int])
    {
        guard let share = spec.protocol.validation else { return (train, []) }
        let subjects = Array(Set(train.map { dataset.samples[$0].subject })).sorted()
        let count = min(subjects.count - 1, max(1, Int((share * Double(subjects.count)).rounded())))
        guard count > 0 else { return (train, []) }
        let seed = SeedDerivation.derive(SeedDerivation.splitSeed(experimentSeed: spec.seed, run: run), "validation-\(fold)")
        var stream = SeededGenerator(seed: seed)
        var order = subjects
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, stream.int(below: i + 1)) }
        let held = Set(order.prefix(count))
        return (train.filter { !held.contains(dataset.samples[$0].subject) },
                train.filter { held.contains(dataset.samples[$0].subject) })
    }

    /// Records every run's fold assignment in the run log.
    public static func recordFolds(_ spec: ExperimentSpec, dataset: Dataset, store: RunStore, experimentID: Int64) throws {
        for run in 0..<spec.protocol.runs {
            try store.recordFoldAssignments(experimentID: experimentID, run: run, try folds(dataset, spec, run: run).foldOfSubject)
        }
    }

    /// HA-GAN's character domain (section 5.2): FERG-DB or the synthetic characters, at the crop size.
    public static func characterDomain(_ spec: ExperimentSpec) throws -> CharacterDomain {
        guard let character = spec.character else { throw SpecError.missingKey(path: "character") }
        switch character.kind {
        case .synthetic:
            return try .synthetic(characters: character.characters, classes: spec.dataset.classes,
                                  size: spec.dataset.cropSize, seed: spec.seed)
        case .ferg:
            return try .ferg(root: character.root ?? "", characters: character.characters, classes: spec.dataset.classes,
                             size: spec.dataset.cropSize, loaders: loaders)
        }
    }

    /// The renderer of the spec's training augmentation at its crop size.
    public static func augmenter(_ spec: ExperimentSpec) -> Augmenter {
        Augmenter(spec.dataset.augmentation, cropSize: spec.dataset.cropSize)
    }
}
