// What `exp predict` needs besides the networks, stored by the worker in each checkpoint under the
// metadata key "extra.prediction" (JSON): the class names in logit order, the input preprocessing
// (channels, face image size, crop size, and where alignment put the eyes and how far dlib
// upsampled, for `--detect`) and, for HA-GAN, the character names (Id_AN is the configuration's
// `testCharacter` index into them). Checkpoints written before this key existed are read through
// the spec the run saved beside them (results/experiments/<hash>/spec.json); setups written before
// the alignment entries align with the standard geometry.

import FaceData
import Foundation
import Models
import RunLog
import NN
import Spec
import Vocabulary

public struct PredictionSetup: Codable, Equatable, Sendable {
    /// The metadata key, under the trainer's "extra." prefix.
    public static let metadataKey = "prediction"

    /// Class names in the order of the expression logits.
    public var classes: [String]
    /// Channels the network reads (1 gray, 3 RGB); inputs are converted to it.
    public var channels: Int
    /// Side of the square face image an input is resized to (the spec's `dataset.imageSize`).
    public var imageSize: Int
    /// Side of the centre crop taken from it, the network's input (`dataset.cropSize`).
    public var cropSize: Int
    /// HA-GAN's character names, in one-hot order; empty for the CNN baseline.
    public var characters: [String]
    /// The spec's alignment geometry (`dataset.alignment`): eye distance and level as shares of the
    /// face image, dlib's upsampling. Nil in checkpoints from before it was recorded (standard).
    public var eyeDistance: Double?
    public var eyeLevel: Double?
    public var upsample: Int?

    public init(classes: [String], channels: Int, imageSize: Int, cropSize: Int, characters: [String],
                alignment: AlignmentGeometry = .standard) {
        self.classes = classes
        self.channels = channels
        self.imageSize = imageSize
        self.cropSize = cropSize
        self.characters = characters
        self.eyeDistance = alignment.eyeDistance
        self.eyeLevel = alignment.eyeLevel
        self.upsample = alignment.upsample
    }

    /// The geometry faces were aligned with in training.
    public var alignment: AlignmentGeometry {
        let standard = AlignmentGeometry.standard
        return AlignmentGeometry(eyeDistance: eyeDistance ?? standard.eyeDistance, eyeLevel: eyeLevel ?? standard.eyeLevel,
                                 upsample: upsample ?? standard.upsample)
    }

    /// The setup of a model trained from `spec`.
    public init(spec: ExperimentSpec, model: ModelSpec) {
        self.init(classes: JobData.classNames(spec), channels: spec.dataset.channels, imageSize: spec.dataset.imageSize,
                  cropSize: spec.dataset.cropSize, characters: model.kind == .hagan ? spec.character?.characters ?? [] : [],
                  alignment: spec.dataset.alignmentGeometry)
    }

    /// The checkpoint metadata entries the trainer stores under "extra.".
    public var metadata: [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data()
        return [Self.metadataKey: String(decoding: data, as: UTF8.self)]
    }

    /// The same preprocessing as the test fold's images in the worker: channels converted, the face
    /// aligned on `landmarks` by the eye centres as in training (without landmarks the image is
    /// taken as an already-cropped face and resized to `imageSize`), then the centre crop of
    /// `cropSize`, as an NCHW tensor [1, channels, cropSize, cropSize] in [-1, 1].
    public func tensor(_ image: Image, landmarks: [Point]? = nil) -> Tensor {
        let settings = AlignmentSettings(geometry: alignment)
        let face = Preprocessor(channels: channels, imageSize: imageSize, eyes: settings.eyes).prepare(image, landmarks: landmarks)
        return Image.tensor([Augmenter(.none, cropSize: cropSize).testImage(face)])
    }

    /// The setup stored in `checkpoint`, or for a checkpoint from before that entry, the one of the
    /// spec saved beside it in its results folder; nil when neither exists.
    static func read(from checkpoint: Checkpoint) throws -> PredictionSetup? {
        let key = "extra." + metadataKey
        if let text = checkpoint.metadata[key] {
            guard let setup = try? JSONDecoder().decode(PredictionSetup.self, from: Data(text.utf8)) else {
                throw ModelCheckpointError.badMetadata(path: checkpoint.path, key: key)
            }
            return setup
        }
        // results/checkpoints/<hash>/job-<id>.ckpt -> results/experiments/<hash>/spec.json
        let folder = (checkpoint.path as NSString).deletingLastPathComponent
        let hash = (folder as NSString).lastPathComponent
        let checkpoints = (folder as NSString).deletingLastPathComponent
        guard (checkpoints as NSString).lastPathComponent == "checkpoints" else { return nil }
        let layout = ResultsLayout(root: (checkpoints as NSString).deletingLastPathComponent)
        let specFile = layout.specFile(hash)
        guard FileManager.default.fileExists(atPath: specFile),
              let spec = try? SpecLoader.load(path: specFile).spec else { return nil }
        let kind: ModelKind = checkpoint.metadata["model"] == "hagan" ? .hagan : .cnn
        guard let model = spec.models.first(where: { $0.kind == kind }) else { return nil }
        return PredictionSetup(spec: spec, model: model)
    }
}
