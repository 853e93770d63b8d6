// `exp predict`: a trained model applied to image files. The checkpoint written by `exp run`
// describes itself (the network configuration in "config", the classes, preprocessing and
// characters in "extra.prediction"); an image is decoded, converted, resized and centre-cropped by
// the same FaceData functions as the test fold's images, and predicted as at test time (section 4:
// eval mode, HA-GAN through G and D^e with the configuration's test z). With detection, the face
// is first found by dlib and aligned on its landmarks as the training faces were (section 5.1).
// Each image is predicted on its own, so its result never depends on the other images of the call.
//
// It lives in Runner, not Models: it needs FaceData's decoding and preprocessing, which Models does
// not import, and the setup the worker stores in its checkpoints.

import FaceData
import Foundation
import Models
import NN
import RunLog
import Spec
import Vocabulary

/// A checkpoint or request `exp predict` cannot use (user input); each case names the file.
public enum PredictionError: Error, Equatable, CustomStringConvertible {
    /// A trainer checkpoint without the prediction setup, and no spec beside it to rebuild it from.
    case predatesPredict(path: String)
    /// The prediction setup disagrees with the network configuration stored beside it.
    case inconsistentSetup(path: String, setting: String, setup: String, network: String)
    /// Character images were asked of a checkpoint that is not an HA-GAN.
    case noGenerator(path: String)
    /// No image was given.
    case noImages
    /// A weight or statistic of the checkpoint is NaN or infinite: its predictions would be too.
    case nonFinite(path: String, tensor: String)
    /// The --character-out folder cannot be used.
    case characterFolder(path: String, reason: String)
    /// Detection found no face to align in an image.
    case noFace(path: String, reason: String)

    public var description: String {
        switch self {
        case .predatesPredict(let p):
            return "checkpoint \(p) predates `exp predict`: it does not record its classes and preprocessing, and no "
                + "results/experiments/<hash>/spec.json was found beside it; run the experiment again into a new --results folder"
        case .inconsistentSetup(let p, let setting, let setup, let network):
            return "checkpoint \(p) is inconsistent: its prediction setup has \(setting) = \(setup) but its network was "
                + "built for \(network); the file was changed after training, use the checkpoint `exp run` wrote"
        case .noGenerator(let p):
            return "checkpoint \(p) holds a CNN baseline, which draws no character images; drop --character-out or give an HA-GAN checkpoint"
        case .noImages:
            return "no image given: pass one or more image files (PNG, JPEG or TIFF)"
        case .characterFolder(let p, let reason):
            return "--character-out \(p): \(reason); give a folder that exists or can be created"
        case .noFace(let p, let reason):
            return "\(p): \(reason); give a photo with a frontal face, or drop --detect to take the whole image as the face"
        case .nonFinite(let p, let tensor):
            return "checkpoint \(p) holds NaN or infinite values in \(tensor), so every prediction would be NaN; "
                + "use a checkpoint of a job that completed (a diverged job's last checkpoint is not one)"
        }
    }
}

/// The prediction for one image file.
public struct ImagePrediction: Equatable, Sendable {
    public var image: String
    /// Index into the classes, the argmax of `probabilities`.
    public var label: Int
    public var expression: String
    /// Class probabilities in the order of `PredictionSetup.classes`.
    public var probabilities: [Float]
    /// The generated character image written for it (HA-GAN with a character folder).
    public var characterImage: String?
    /// What dlib found, with detection: the face used (box, landmarks) and how many there were.
    public var face: FaceFinding?
}

/// One image of `exp predict`: its prediction, or why it has none.
public enum ImageOutcome: Equatable, Sendable {
    case predicted(ImagePrediction)
    case failed(image: String, message: String)

    public var image: String {
        switch self {
        case .predicted(let p): return p.image
        case .failed(let image, _): return image
        }
    }
}

/// Which job a checkpoint belongs to (see `Predictor.origin`).
public struct JobOrigin: Equatable, Sendable, Encodable {
    /// "HA-GAN, run 0, fold 1, seed 123" from the checkpoint; nil for checkpoints before it was kept.
    public var job: String?
    public var experimentHash: String?
    public var experiment: String?
    public var datasetKind: String?
}

public final class Predictor {
    private enum Network {
        case cnn(CNNTrainer)
        case hagan(HAGANTrainer)
    }
    private let network: Network
    public let checkpointPath: String
    public let setup: PredictionSetup
    /// Training epochs the checkpoint holds.
    public let epoch: Int
    /// The subjects the model was trained on (its fold's training subjects, validation subjects
    /// left out), sorted; nil for a checkpoint written before they were recorded (unknown).
    public let trainingSubjects: [String]?
    /// The numerics the checkpoint was computed under ("portable v1, 1 BLAS thread(s)"); nil for
    /// checkpoints of builds before numerics versions.
    public let numerics: String?
    /// The job the checkpoint belongs to, as its worker wrote it.
    public let jobDescription: String?

    /// The checkpoint metadata key (under the trainer's "extra." prefix) of the training subjects:
    /// a JSON array of subject ids.
    public static let trainingSubjectsKey = "trainingSubjects"

    /// Reads a checkpoint written by `exp run`. Throws `CheckpointError` for a file that is missing,
    /// no checkpoint, truncated or corrupted, `ModelCheckpointError` for one whose tensors do not
    /// fit its configuration, and `PredictionError` for one that lacks or contradicts the setup.
    public init(checkpoint path: String) throws {
        let checkpoint = try Checkpoint.read(from: path)
        if let bad = checkpoint.tensors.first(where: { $0.tensor.scalars.contains { !$0.isFinite } }) {
            throw PredictionError.nonFinite(path: path, tensor: bad.name)
        }
        let network: Network
        switch checkpoint.metadata["model"] {
        case "hagan"?: network = .hagan(try HAGANTrainer(checkpoint: checkpoint))
        case "cnn"?: network = .cnn(try CNNTrainer(checkpoint: checkpoint))
        case let other:
            throw ModelCheckpointError.wrongModel(path: path, found: other ?? "(none)", expected: "hagan or cnn")
        }
        guard let setup = try PredictionSetup.read(from: checkpoint) else { throw PredictionError.predatesPredict(path: path) }
        switch network {
        case .cnn(let t):
            epoch = t.completedEpochs
            try Predictor.check(path, [("classes", setup.classes.count, t.config.expressionCount, "expressionCount"),
                                       ("channels", setup.channels, t.config.channels, "channels"),
                                       ("cropSize", setup.cropSize, t.config.imageSize, "imageSize")])
        case .hagan(let t):
            epoch = t.completedEpochs
            try Predictor.check(path, [("classes", setup.classes.count, t.config.expressionCount, "expressionCount"),
                                       ("channels", setup.channels, t.config.humanChannels, "humanChannels"),
                                       ("cropSize", setup.cropSize, t.config.imageSize, "imageSize"),
                                       ("characters", setup.characters.count, t.config.characterCount, "characterCount")])
        }
        if setup.imageSize < setup.cropSize || setup.imageSize > 4096 {
            throw PredictionError.inconsistentSetup(path: path, setting: "imageSize", setup: String(setup.imageSize),
                                                    network: "crops of \(setup.cropSize), which need cropSize <= imageSize <= 4096")
        }
        self.network = network
        self.checkpointPath = path
        self.setup = setup
        numerics = checkpoint.metadata["extra.numerics"]
        jobDescription = checkpoint.metadata["extra.job"]
        let key = "extra." + Predictor.trainingSubjectsKey
        if let text = checkpoint.metadata[key] {
            guard let subjects = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
                throw ModelCheckpointError.badMetadata(path: path, key: key)
            }
            trainingSubjects = subjects
        } else {
            trainingSubjects = nil
        }
    }

    /// The subject of an image file as the `folder` loader reads it from a name
    /// (`S010_004_00000017.png`, the synthetic layouts' `S025_...`: what precedes the first `_`).
    public static func subject(ofFile path: String) -> String? {
        FolderLoader.subject(ofFileName: (path as NSString).lastPathComponent)
    }

    /// A warning when this process computes under other numerics than the checkpoint's job did: its
    /// probabilities may then differ from the worker's in their last digits (nil when they agree).
    public func numericsWarning(machine: MachineNumerics = Numerics.current) -> String? {
        guard let numerics, !numerics.hasPrefix(machine.signature + ",") else { return nil }
        let mode = numerics.hasPrefix("native") ? "native" : "portable"
        return "\(checkpointPath) was computed under \(numerics); this process computes under \(machine.signature), so its "
            + "probabilities may differ from the worker's in their last digits (run with \(Numerics.modeVariable)=\(mode) on a machine "
            + "of that kernel to match them)"
    }

    /// A warning for each image whose subject (from its file name) is one the model was trained on:
    /// its prediction says little about faces the model has not seen.
    public func trainingSubjectWarnings(images: [String]) -> [String] {
        guard let trainingSubjects else { return [] }
        let known = Set(trainingSubjects)
        return images.compactMap { path in
            guard let subject = Predictor.subject(ofFile: path), known.contains(subject) else { return nil }
            return "warning: \(path): subject \(subject) (from the file name) is one of the \(known.count) subjects "
                + "the checkpoint was trained on; its prediction says little about unseen faces"
        }
    }

    /// "hagan" or "cnn".
    public var modelKind: String {
        if case .hagan = network { return "hagan" }
        return "cnn"
    }

    /// HA-GAN: the character Id_AN and the test z policy, as one line; nil for the CNN.
    public var generatorSummary: String? {
        guard case .hagan(let t) = network else { return nil }
        let c = t.config
        let draws = c.testNoise == .average ? " of \(c.testNoiseDraws) draws" : ""
        return "character \(setup.characters[c.testCharacter]), test z \(c.testNoise.rawValue)\(draws)"
    }

    /// The network input for an image file (decoded, converted, resized, centre-cropped); throws
    /// `DataError.cannotDecode` naming a file that does not decode.
    public func input(_ path: String) throws -> Tensor {
        setup.tensor(try Image(contentsOf: path))
    }

    /// The network input for a photo of any size: dlib's largest face, aligned by its eye centres
    /// with the training geometry, then centre-cropped. Throws `PredictionError.noFace` naming the
    /// file when no face is found.
    public func detectedInput(_ path: String, detector: FaceDetector) throws -> (input: Tensor, finding: FaceFinding) {
        let image = try Image(contentsOf: path)
        let finding = try detector.find(in: image, upsample: setup.alignment.upsample)
        guard let face = finding.face else { throw PredictionError.noFace(path: path, reason: finding.reason ?? "no face found") }
        return (setup.tensor(image, landmarks: face.landmarks), finding)
    }

    /// Class probabilities of one preprocessed input [1, C, S, S], as at test time.
    public func predict(_ input: Tensor) -> Models.Prediction {
        switch network {
        case .cnn(let t): return t.predict(input)[0]
        case .hagan(let t): return t.predict(input)[0]
        }
    }

    /// HA-GAN's character image G(I_HE, Id_AN, z) for one input [1, C, S, S], with Id_AN the test
    /// character and z the first test z (zero, the fixed draw, or the first of the averaged draws).
    public func characterImage(_ input: Tensor) throws -> Image {
        guard case .hagan(let t) = network else { throw PredictionError.noGenerator(path: checkpointPath) }
        let g = t.generate(input, identity: t.config.testCharacter, noise: t.testNoise()[0])
        return Image(width: g.shape[3], height: g.shape[2], channels: g.shape[1], pixels: g.scalars.map { min(1, max(0, ($0 + 1) / 2)) })
    }

    /// Predicts every image; with `characterFolder` (HA-GAN only), writes each input's character
    /// image there as `<input name>.png` (`-2`, `-3`, ... added when names repeat). Every image is
    /// decoded before anything is written, so a bad one stops the call with nothing half done.
    /// With `detector`, each image is a photo whose face dlib finds and aligns first.
    public func run(images: [String], characterFolder: String? = nil, detector: FaceDetector? = nil) throws -> [ImagePrediction] {
        guard !images.isEmpty else { throw PredictionError.noImages }
        if characterFolder != nil, case .cnn = network { throw PredictionError.noGenerator(path: checkpointPath) }
        let prepared = try images.map { try prepare($0, detector: detector) }
        return try predictAll(prepared, characterFolder: characterFolder)
    }

    /// Each image on its own: one that cannot be read, or has no face with `detector`, is a
    /// failure with its message, and the others are still predicted (`exp predict`).
    public func runEach(images: [String], characterFolder: String? = nil, detector: FaceDetector? = nil) throws -> [ImageOutcome] {
        guard !images.isEmpty else { throw PredictionError.noImages }
        if characterFolder != nil, case .cnn = network { throw PredictionError.noGenerator(path: checkpointPath) }
        var prepared: [(path: String, input: Tensor, finding: FaceFinding?)] = []
        var outcomes: [ImageOutcome?] = []
        for path in images {
            do {
                prepared.append(try prepare(path, detector: detector))
                outcomes.append(nil)
            } catch {
                outcomes.append(.failed(image: path, message: String(describing: error)))
            }
        }
        var predicted = try predictAll(prepared, characterFolder: characterFolder).makeIterator()
        return outcomes.map { $0 ?? .predicted(predicted.next()!) }
    }

    /// The network input of one image (and with `detector`, what dlib found).
    private func prepare(_ path: String, detector: FaceDetector?) throws -> (path: String, input: Tensor, finding: FaceFinding?) {
        guard let detector else { return (path, try input(path), nil) }
        let (tensor, finding) = try detectedInput(path, detector: detector)
        return (path, tensor, finding)
    }

    private func predictAll(_ prepared: [(path: String, input: Tensor, finding: FaceFinding?)],
                            characterFolder: String?) throws -> [ImagePrediction] {
        var names = Set<String>()
        if let characterFolder, !prepared.isEmpty { try Predictor.prepareFolder(characterFolder) }
        return try prepared.map { path, tensor, finding in
            let p = predict(tensor)
            var out = ImagePrediction(image: path, label: p.label, expression: setup.classes[p.label],
                                      probabilities: p.probabilities, characterImage: nil, face: finding)
            if let characterFolder {
                let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                var name = stem, k = 1
                while names.contains(name) { k += 1; name = "\(stem)-\(k)" }
                names.insert(name)
                let file = (characterFolder as NSString).appendingPathComponent(name + ".png")
                try characterImage(tensor).writePNG(to: file)
                out.characterImage = file
            }
            return out
        }
    }

    /// Where the checkpoint comes from: the job its metadata names ("HA-GAN, run 0, fold 1, seed
    /// ..."), and for a checkpoint in a results folder (`checkpoints/<hash>/...`) its experiment's
    /// hash, name and dataset kind, read from the spec file saved beside it.
    public var origin: JobOrigin {
        var origin = JobOrigin(job: jobDescription, experimentHash: nil, experiment: nil, datasetKind: nil)
        let url = URL(fileURLWithPath: checkpointPath).standardizedFileURL
        let folder = url.deletingLastPathComponent()
        let hash = folder.lastPathComponent
        guard hash.count == 64, hash.allSatisfy(\.isHexDigit), folder.deletingLastPathComponent().lastPathComponent == "checkpoints" else {
            return origin
        }
        origin.experimentHash = hash
        let layout = ResultsLayout(root: folder.deletingLastPathComponent().deletingLastPathComponent().path)
        if let spec = try? SpecLoader.load(path: layout.specFile(hash)).spec {
            origin.experiment = spec.name
            origin.datasetKind = spec.dataset.kind.rawValue
        }
        return origin
    }

    /// A warning, once, when the model learnt from the built-in synthetic faces only.
    public var syntheticWarning: String? {
        guard origin.datasetKind == "synthetic" else { return nil }
        return "warning: \(checkpointPath) was trained on the built-in synthetic faces: the model has never seen a real face, "
            + "so its predictions of photos say little (train on a real dataset for that)"
    }

    /// Creates the character image folder, or says why it cannot be one.
    private static func prepareFolder(_ path: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw PredictionError.characterFolder(path: path, reason: "it is a file, not a folder") }
            guard FileManager.default.isWritableFile(atPath: path) else { throw PredictionError.characterFolder(path: path, reason: "the folder is not writable") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            // Say which existing parent stands in the way.
            var parent = (path as NSString).deletingLastPathComponent
            while !parent.isEmpty, parent != "/", !FileManager.default.fileExists(atPath: parent) {
                parent = (parent as NSString).deletingLastPathComponent
            }
            let exists = FileManager.default.fileExists(atPath: parent.isEmpty ? "." : parent, isDirectory: &isFolder)
            let reason = exists && !isFolder.boolValue ? "it cannot be created: \(parent) is a file"
                : "it cannot be created in \(parent.isEmpty ? "." : parent) (not writable?)"
            throw PredictionError.characterFolder(path: path, reason: reason)
        }
    }

    private static func check(_ path: String, _ pairs: [(String, Int, Int, String)]) throws {
        for (setting, setup, network, key) in pairs where setup != network {
            throw PredictionError.inconsistentSetup(path: path, setting: setting == "classes" ? "classes (count)" : setting,
                                                    setup: String(setup), network: "\(key) = \(network)")
        }
    }
}
