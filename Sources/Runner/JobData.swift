// What one job trains and tests on, built from the spec: the human dataset (any FaceData kind,
// the synthetic one included), the subject-independent fold split of the job's run, the training
// batches with the spec's augmentation, the test fold's centre crops, and, for HA-GAN, the
// character domain (section 5.2: FERG-DB, or the synthetic characters) with one neutral image per
// character (the L1 target of eq. 4) and real images per expression (the real pairs of eq. 5).

import FaceData
import Foundation
import Models
import NN
import RunLog
import Spec
import Vocabulary

public enum JobData {
    /// The loaders of every dataset kind a spec can name.
    public static var loaders: DatasetLoaders {
        var l = DatasetLoaders.builtIn
        l.register(SyntheticDatasetLoader())
        return l
    }

    /// The FaceData description of the spec's human dataset.
    public static func description(_ spec: ExperimentSpec) -> DatasetDescription {
        let d = spec.dataset
        var options: [String: String] = [:]
        let frames = d.frames.map { $0 == .last1 ? "1" : "3" }
        let kind: String
        switch d.kind {
        case .ckplus:
            kind = "ckplus"
            options["frames"] = frames
            options["images"] = d.imagesFolder
            options["emotion"] = d.emotionFolder
            options["landmarks"] = d.landmarksFolder
        case .oulu: kind = "oulu"; options["frames"] = frames
        case .mmi: kind = "mmi"; options["frames"] = frames; options["labels"] = d.labelsFile
        case .folder: kind = "folder"; options["subject"] = d.subjectPattern
        case .csv: kind = "manifest"
        case .synthetic:
            kind = "synthetic"
            options["subjects"] = d.subjects.map(String.init)
            options["imagesPerExpression"] = d.imagesPerExpression.map(String.init)
            options["size"] = String(d.imageSize)
            options["channels"] = String(d.channels)
            options["seed"] = String(spec.seed)
        }
        options["openface"] = d.openface
        return DatasetDescription(kind: kind, root: d.root ?? "", classes: d.classes,
                                  options: options.compactMapValues { $0 }, skipUnreadable: d.skipUnreadable)
    }

    /// Loads the human dataset (decoding every file once, so unreadable ones are found now).
    public static func dataset(_ spec: ExperimentSpec, checkImages: Bool = true) throws -> Dataset {
        try loaders.load(description(spec), checkImages: checkImages)
    }

    /// Class names in label order.
    public static func classNames(_ spec: ExperimentSpec) -> [String] { spec.dataset.classes.names }

    /// The subject-to-fold assignment of a run (the same in the coordinator and every worker).
    public static func folds(_ dataset: Dataset, _ spec: ExperimentSpec, run: Int) throws -> FoldAssignment {
        try FoldAssignment(dataset: dataset, folds: spec.protocol.folds,
                           seed: SeedDerivation.splitSeed(experimentSeed: spec.seed, run: run))
    }

    /// Records every run's fold assignment in the run log.
    public static func recordFolds(_ spec: ExperimentSpec, dataset: Dataset, store: RunStore, experimentID: Int64) throws {
        for run in 0..<spec.protocol.runs {
            try store.recordFoldAssignments(experimentID: experimentID, run: run, try folds(dataset, spec, run: run).foldOfSubject)
        }
    }

    /// The renderer of the spec's training augmentation at its crop size.
    public static func augmenter(_ spec: ExperimentSpec) -> Augmenter {
        Augmenter(spec.dataset.augmentation, cropSize: spec.dataset.cropSize)
    }
}

/// The character domain of HA-GAN: per character, its neutral image and its images per expression
/// label, as crop-sized images.
public struct CharacterDomain {
    public var names: [String]
    public var channels: Int
    /// [character][label] -> images showing that expression.
    public var images: [[[Image]]]
    /// [character] -> the neutral image.
    public var neutral: [Image]

    /// Builds the domain from the spec's character source, at the crop size.
    public static func load(_ spec: ExperimentSpec) throws -> CharacterDomain {
        guard let character = spec.character else { throw SpecError.missingKey(path: "character") }
        let classes = spec.dataset.classes.expressions
        let size = spec.dataset.cropSize
        switch character.kind {
        case .synthetic:
            let known = SyntheticCharacter.all
            let chosen = try character.characters.map { name -> SyntheticCharacter in
                guard let c = known.first(where: { $0.name == name }) else {
                    throw DataError.badOption(key: "character.characters", value: name,
                                              expected: "one of the synthetic characters: \(known.map(\.name).joined(separator: ", "))")
                }
                return c
            }
            guard !classes.contains(.contempt) else {
                throw SpecError.invalidValue(path: "dataset.classes", value: spec.dataset.classes.rawValue,
                                             allowed: "basic6 or basic7 with synthetic characters "
                                                 + "(\(Expression.contemptNotDrawable))")
            }
            let domain = SyntheticCharacters(characters: chosen, seed: spec.seed, size: size, channels: 3,
                                             classes: Vocabulary.Expression.drawable.filter(classes.contains), imagesPerClass: 4)
            var images = [[[Image]]](repeating: [[Image]](repeating: [], count: classes.count), count: chosen.count)
            for r in domain.records() {
                if let label = classes.firstIndex(of: r.label) { images[r.character][label].append(r.image) }
            }
            return CharacterDomain(names: chosen.map(\.name), channels: 3, images: images,
                                   neutral: chosen.indices.map { domain.neutral(character: $0).image })
        case .ferg:
            let description = DatasetDescription(kind: "ferg", root: character.root ?? "", classes: .basic7,
                                                 options: ["characters": character.characters.joined(separator: ",")])
            let dataset = try JobData.loaders.load(description, checkImages: false)
            let prep = Preprocessor(channels: 3, imageSize: size)
            var images = [[[Image]]](repeating: [[Image]](repeating: [], count: classes.count), count: character.characters.count)
            var neutral = [Image?](repeating: nil, count: character.characters.count)
            for sample in dataset.samples {
                guard let c = character.characters.firstIndex(of: sample.subject) else { continue }
                if sample.expression == .neutral {
                    if neutral[c] == nil { neutral[c] = try prep.image(for: sample) }
                } else if let label = classes.firstIndex(of: sample.expression) {
                    images[c][label].append(try prep.image(for: sample))
                }
            }
            for (c, name) in character.characters.enumerated() {
                guard let n = neutral[c] else {
                    throw DataError.noImages(root: description.root, expected: "a neutral image of FERG-DB character \(name)")
                }
                neutral[c] = n
                if let missing = images[c].firstIndex(where: { $0.isEmpty }) {
                    throw DataError.noImages(root: description.root, expected: "\(name) images of \(classes[missing].rawValue)")
                }
            }
            return CharacterDomain(names: character.characters, channels: 3, images: images, neutral: neutral.map { $0! })
        }
    }

    /// The character half of a HA-GAN batch: for each human label, a character drawn from
    /// `stream`, one of its real images with that expression, and its neutral image.
    public func pairs(for labels: [Int], stream: inout SeededGenerator) -> (characters: Tensor, neutral: Tensor, identities: [Int]) {
        var real: [Image] = [], neutrals: [Image] = [], ids: [Int] = []
        for label in labels {
            let c = names.count == 1 ? 0 : stream.int(below: names.count)
            let pool = images[c][label]
            real.append(pool[stream.int(below: pool.count)])
            neutrals.append(neutral[c])
            ids.append(c)
        }
        return (Image.tensor(real), Image.tensor(neutrals), ids)
    }
}
