// `exp predict`'s library (`Predictor`): a tiny CNN and HA-GAN trained for one epoch by the real
// job worker (in process) on synthetic faces written as PNG files; the predictor, given the test
// fold's files, reproduces the probabilities of the worker's evaluation, whatever the other images
// of the call; HA-GAN writes character images of the crop size; checkpoints from before the
// prediction setup are read through the spec beside them; bad checkpoints and images are errors
// that name the file; with detection, the face of a photograph (Tests/Fixtures) is found and
// aligned as the training faces are, and JSON gives its box and landmarks.

import FaceData
import Foundation
import Models
import NN
import RunLog
import Runner
import Spec
import SyntheticFaces
import TestSupport
import Testing

/// One results folder with a finished 1-epoch job of each model, shared by the tests below.
/// The folder of `TrainedJobs.shared` (its data, run log and checkpoints, some 100-400 MB).
nonisolated(unsafe) private var trainedJobsFolder: String?

private struct TrainedJobs {
    let folder: String
    let results: String
    /// Model kind -> checkpoint path.
    let checkpoints: [String: String]
    /// Model kind -> the worker's test-fold predictions (sample ID = image path).
    let evaluations: [String: [RunLog.Prediction]]

    static let shared: Result<TrainedJobs, Error> = Result { try TrainedJobs() }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("exp-predict-\(UUID().uuidString)").path
        // Shared by the tests of this file, so removed when the test process exits.
        trainedJobsFolder = folder
        atexit {
            if let folder = trainedJobsFolder { try? FileManager.default.removeItem(atPath: folder) }
        }
        let data = (folder as NSString).appendingPathComponent("faces")
        try SyntheticLayouts.write(.folder, subjects: 6, seed: 5, size: 36, to: data)
        let spec = (folder as NSString).appendingPathComponent("tiny.json")
        try """
            {"specVersion": 1, "name": "predict", "table": "none", "seed": 3,
             "dataset": {"kind": "folder", "root": "\(data)", "imageSize": 36, "cropSize": 32,
                         "augmentation": ["center", "center:flip"]},
             "character": {"kind": "synthetic", "characters": ["mira"]},
             "protocol": {"folds": 2, "runs": 1},
             "models": [
               {"name": "CNN(baseline)", "kind": "cnn", "epochs": 1, "batchSize": 16},
               {"name": "HA-GAN", "kind": "hagan", "epochs": 1, "batchSize": 16, "codeSize": 16, "noiseSize": 8,
                "sampleEvery": 0, "testNoise": "average", "testNoiseDraws": 2}
             ]}
            """.write(toFile: spec, atomically: true, encoding: .utf8)
        results = (folder as NSString).appendingPathComponent("results")
        let loaded = try SpecLoader.load(path: spec, overrides: inProcessNumerics)
        let layout = ResultsLayout(root: results)
        let jobs = try registerForWorkers(loaded, results: results).filter { $0.fold == 0 }
        var checkpoints: [String: String] = [:], evaluations: [String: [RunLog.Prediction]] = [:]
        for job in jobs {
            var predictions: [RunLog.Prediction] = []
            let last = try JobWorker.run(WorkerRequest(results: results, experimentHash: loaded.hash, job: job),
                                         send: { if case .predictions(let p) = $0 { predictions = p } }, shouldStop: { false })
            guard case .completed = last else { throw PredictionTestError.jobDidNotComplete("\(last)") }
            checkpoints[job.modelKind] = layout.checkpoint(loaded.hash, job: JobFileName(modelName: job.modelName, run: job.run, fold: job.fold))
            evaluations[job.modelKind] = predictions
        }
        self.checkpoints = checkpoints
        self.evaluations = evaluations
    }

    /// A copy of a checkpoint with its metadata changed, in this fixture's folder.
    func modified(_ kind: String, name: String, _ change: (inout Checkpoint) -> Void) throws -> String {
        var c = try Checkpoint.read(from: checkpoints[kind]!)
        change(&c)
        let path = (folder as NSString).appendingPathComponent(name)
        try c.write(to: path)
        return path
    }

    func file(_ name: String, bytes: [UInt8]) throws -> String {
        let path = (folder as NSString).appendingPathComponent(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
}

private enum PredictionTestError: Error { case jobDidNotComplete(String) }

@Test(arguments: ["cnn", "hagan"])
func predictionsEqualTheWorkersEvaluation(kind: String) throws {
    let jobs = try TrainedJobs.shared.get()
    let predictor = try Predictor(checkpoint: jobs.checkpoints[kind]!)
    let evaluation = try #require(jobs.evaluations[kind])
    #expect(evaluation.count >= 10)
    #expect(predictor.setup == PredictionSetup(classes: ["anger", "disgust", "fear", "happiness", "sadness", "surprise"],
                                               channels: 1, imageSize: 36, cropSize: 32,
                                               characters: kind == "hagan" ? ["mira"] : []))
    #expect(predictor.modelKind == kind && predictor.epoch == 1)
    let predicted = try predictor.run(images: evaluation.map(\.sampleID))
    for (p, e) in zip(predicted, evaluation) {
        #expect(p.image == e.sampleID)
        #expect(p.probabilities.count == 6)
        let largest = zip(p.probabilities, e.probabilities).map { abs(Double($0) - $1) }.max()!
        #expect(largest <= 1e-6, "\(p.image): \(p.probabilities) vs evaluation \(e.probabilities)")
        #expect(p.label == e.predictedLabel)
        #expect(p.expression == predictor.setup.classes[p.label])
        #expect(abs(p.probabilities.reduce(0, +) - 1) < 1e-5)
    }
}

@Test func predictionsDoNotDependOnTheOtherImagesOrOnRepetition() throws {
    let jobs = try TrainedJobs.shared.get()
    let predictor = try Predictor(checkpoint: jobs.checkpoints["hagan"]!)
    let paths = Array(jobs.evaluations["hagan"]!.map(\.sampleID).prefix(5))
    let together = try predictor.run(images: paths)
    let reversed = try predictor.run(images: paths.reversed())
    #expect(together == Array(reversed.reversed()))
    for (path, p) in zip(paths, together) { #expect(try predictor.run(images: [path]) == [p]) }
    // A second predictor on the same file gives the same bits.
    #expect(try Predictor(checkpoint: jobs.checkpoints["hagan"]!).run(images: paths) == together)
}

@Test func imagesOfAnotherSizeOrColourAreConvertedNotRefused() throws {
    let jobs = try TrainedJobs.shared.get()
    let predictor = try Predictor(checkpoint: jobs.checkpoints["cnn"]!)
    let path = jobs.evaluations["cnn"]![0].sampleID
    let gray = try Image(contentsOf: path)
    // The same face in RGB: gray again after conversion (up to float rounding of the luma weights).
    let rgb = (jobs.folder as NSString).appendingPathComponent("rgb.png")
    try gray.toRGB().writePNG(to: rgb)
    let large = (jobs.folder as NSString).appendingPathComponent("large.png")
    try gray.resized(width: 90, height: 70).writePNG(to: large)
    let out = try predictor.run(images: [path, rgb, large])
    #expect(zip(out[0].probabilities, out[1].probabilities).allSatisfy { abs($0 - $1) < 1e-4 })
    #expect(abs(out[2].probabilities.reduce(0, +) - 1) < 1e-5)
    // The input is the one the preprocessing functions give: resize to imageSize, centre crop.
    let face = Preprocessor(channels: 1, imageSize: 36).prepare(try Image(contentsOf: large), landmarks: nil)
    #expect(try predictor.input(large) == Image.tensor([Augmenter(.none, cropSize: 32).testImage(face)]))
}

@Test(.enabled(if: FileManager.default.fileExists(atPath: FaceDetector.defaultModelPath),
               Comment(rawValue: "exp predict --detect test skipped: no dlib model at \(FaceDetector.defaultModelPath) "
                   + "(install the Debian package \(FaceDetector.modelPackage), or make deps)")))
func detectionFindsAndAlignsTheFaceOfAPhotograph() throws {
    let jobs = try TrainedJobs.shared.get()
    let predictor = try Predictor(checkpoint: jobs.checkpoints["cnn"]!)
    let photo = repositoryRoot() + "/Tests/Fixtures/astronaut.jpg"
    let detector = try FaceDetector.shared()
    let out = try predictor.run(images: [photo], detector: detector)
    let finding = try #require(out[0].face)
    let face = try #require(finding.face)
    #expect(finding.faces == 1 && face.landmarks.count == 68 && face.box.width > 70 && face.box.width < 110)
    #expect(abs(out[0].probabilities.reduce(0, +) - 1) < 1e-5)
    // The input is the training path's: dlib's landmarks, the setup's eye geometry, the centre crop;
    // not the whole photo resized.
    let image = try Image(contentsOf: photo)
    let aligned = Preprocessor(channels: 1, imageSize: 36, eyes: AlignmentSettings(geometry: predictor.setup.alignment).eyes)
        .prepare(image, landmarks: face.landmarks)
    let expected = Image.tensor([Augmenter(.none, cropSize: 32).testImage(aligned)])
    #expect(try predictor.detectedInput(photo, detector: detector).input == expected)
    #expect(try predictor.input(photo) != expected)
    #expect(out[0].probabilities == predictor.predict(expected).probabilities)
    // JSON: the box, the 68 landmarks and how many faces there were; text: the box.
    let json = try JSONSerialization.jsonObject(with: Data(predictor.render(out, format: .json).utf8)) as? [String: Any]
    let row = try #require((json?["predictions"] as? [[String: Any]])?.first)
    let faceJSON = try #require(row["face"] as? [String: Any])
    #expect((faceJSON["landmarks"] as? [[Double]])?.count == 68 && faceJSON["faces"] as? Int == 1)
    #expect((faceJSON["box"] as? [String: Double])?["left"] == Double(face.box.left))
    let text = predictor.render(out, format: .text)
    #expect(text.contains("face") && text.contains("\(Int(face.box.width))x\(Int(face.box.height)) at \(Int(face.box.left)),\(Int(face.box.top))"))
    // A picture without a face is an error naming it.
    let blank = (jobs.folder as NSString).appendingPathComponent("blank.png")
    try Image(width: 200, height: 150, channels: 3, value: 0.5).writePNG(to: blank)
    #expect(throws: PredictionError.noFace(path: blank, reason: "no face found (scanned at up to 2x)")) {
        try predictor.run(images: [photo, blank], detector: detector)
    }
    #expect(PredictionError.noFace(path: blank, reason: "x").description.contains("drop --detect"))
    // Image by image (exp predict): the face-less picture is an error of its own, the photo is
    // still predicted, in the order given; JSON calls dlib's score detectorScore and names the job.
    let each = try predictor.runEach(images: [blank, photo], detector: detector)
    #expect(each.map(\.image) == [blank, photo])
    guard case .failed(_, let message) = each[0], case .predicted(let p) = each[1] else { Issue.record("\(each)"); return }
    #expect(message.contains("no face") && p.probabilities == out[0].probabilities)
    let document = try JSONSerialization.jsonObject(with: Data(predictor.render(each, format: .json).utf8)) as? [String: Any]
    let rows = try #require(document?["predictions"] as? [[String: Any]])
    #expect((rows[0]["error"] as? String)?.contains("no face") == true && rows[0]["probabilities"] == nil)
    #expect(((rows[1]["face"] as? [String: Any])?["detectorScore"] as? Double) != nil)
    #expect((rows[1]["face"] as? [String: Any])?["confidence"] == nil)
    let job = try #require(document?["job"] as? [String: Any])
    #expect((job["job"] as? String)?.hasPrefix("CNN") == true)
    #expect(predictor.render(each, format: .text).contains("error: \(blank): "))
}

@Test func aCheckpointSaysWhichJobItIsAndWarnsWhenItKnowsOnlySyntheticFaces() throws {
    let jobs = try TrainedJobs.shared.get()
    let predictor = try Predictor(checkpoint: jobs.checkpoints["hagan"]!)
    let origin = predictor.origin
    #expect(origin.job?.contains("run 0, fold 0") == true)
    #expect(origin.experimentHash?.count == 64 && origin.experiment != nil)
    #expect(origin.datasetKind == "folder" && predictor.syntheticWarning == nil)
}

/// `exp predict` from outside: a model trained on synthetic faces says so once; an unreadable
/// image is an error line while the others are predicted, and the exit status is 1.
@Test func predictCommandReportsEachImageAndWarnsAboutSyntheticTraining() throws {
    let folder = temporaryFolder("predict-cli")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = try tinySpec(in: folder, epochs: 1)
    let results = (folder as NSString).appendingPathComponent("results")
    let run = try runCapturing(expExecutable, ["run", spec, "--results", results, "--jobs", "2", "--only", "model=CNN(baseline),fold=0"])
    #expect(run.status == 0, "\(run.err)")
    let good = (folder as NSString).appendingPathComponent("face.png")
    try Image(width: 40, height: 40, channels: 1, value: 0.4).writePNG(to: good)
    let bad = (folder as NSString).appendingPathComponent("broken.png")
    try "not a png".write(toFile: bad, atomically: true, encoding: .utf8)
    let predict = try runCapturing(expExecutable, ["predict", "--experiment", "tiny", "--model", "CNN(baseline)", "--fold", "0",
                                                   "--results", results, good, bad, "--format", "json"])
    #expect(predict.status == 1, "\(predict.out) \(predict.err)")
    #expect(predict.err.components(separatedBy: "synthetic faces").count - 1 == 1, "\(predict.err)")
    let document = try JSONSerialization.jsonObject(with: Data(predict.out.utf8)) as? [String: Any]
    let rows = try #require(document?["predictions"] as? [[String: Any]])
    #expect(rows.count == 2 && rows[0]["expression"] != nil && rows[1]["error"] != nil)
    let job = try #require(document?["job"] as? [String: Any])
    #expect(job["experiment"] as? String == "tiny" && job["datasetKind"] as? String == "synthetic")
}

@Test func haganWritesCharacterImagesOfTheCropSize() throws {
    let jobs = try TrainedJobs.shared.get()
    let predictor = try Predictor(checkpoint: jobs.checkpoints["hagan"]!)
    let paths = Array(jobs.evaluations["hagan"]!.map(\.sampleID).prefix(3))
    let out = (jobs.folder as NSString).appendingPathComponent("characters")
    // The first image twice: its second character file gets a suffix.
    let predicted = try predictor.run(images: paths + [paths[0]], characterFolder: out)
    let files = predicted.map { $0.characterImage ?? "" }
    #expect(Set(files).count == 4)
    #expect(files[3].hasSuffix("-2.png"))
    for (i, file) in files.enumerated() {
        let image = try Image(contentsOf: file)
        #expect(image.width == 32 && image.height == 32 && image.channels == 3)
        let expected = try predictor.characterImage(predictor.input(paths[i % 3]))
        #expect(zip(image.pixels, expected.pixels).allSatisfy { abs($0 - $1) <= 0.5 / 255 + 1e-6 })
    }
    #expect(try Image(contentsOf: files[0]) == Image(contentsOf: files[3]))
    #expect(predictor.generatorSummary == "character mira, test z average of 2 draws")
    let cnn = try Predictor(checkpoint: jobs.checkpoints["cnn"]!)
    #expect(throws: PredictionError.noGenerator(path: jobs.checkpoints["cnn"]!)) {
        try cnn.run(images: paths, characterFolder: out)
    }
    // A character folder that is a file, or lies under one, is an error naming both.
    let file = files[0]
    #expect(throws: PredictionError.characterFolder(path: file, reason: "it is a file, not a folder")) {
        try predictor.run(images: paths, characterFolder: file)
    }
    #expect(throws: PredictionError.characterFolder(path: file + "/sub", reason: "it cannot be created: \(file) is a file")) {
        try predictor.run(images: paths, characterFolder: file + "/sub")
    }
}

@Test func checkpointsWithoutTheSetupAreReadThroughTheirSpec() throws {
    let jobs = try TrainedJobs.shared.get()
    let original = jobs.checkpoints["hagan"]!
    let paths = Array(jobs.evaluations["hagan"]!.map(\.sampleID).prefix(3))
    let expected = try Predictor(checkpoint: original).run(images: paths)
    var old = try Checkpoint.read(from: original)
    old.metadata["extra.prediction"] = nil
    // In its results folder the spec beside it gives the setup.
    let inPlace = (original as NSString).deletingLastPathComponent + "/job-old.ckpt"
    try old.write(to: inPlace)
    #expect(try Predictor(checkpoint: inPlace).run(images: paths) == expected)
    // Elsewhere it is an error saying to re-run.
    let moved = try jobs.modified("hagan", name: "moved.ckpt") { $0.metadata["extra.prediction"] = nil }
    #expect(throws: PredictionError.predatesPredict(path: moved)) { try Predictor(checkpoint: moved) }
    #expect(PredictionError.predatesPredict(path: moved).description.contains("run the experiment again"))
}

@Test func badCheckpointsAreErrorsNamingTheFile() throws {
    let jobs = try TrainedJobs.shared.get()
    let good = try Array(Data(contentsOf: URL(fileURLWithPath: jobs.checkpoints["cnn"]!)))
    let text = try jobs.file("notes.txt", bytes: Array("not a checkpoint\n".utf8))
    let image = jobs.evaluations["cnn"]![0].sampleID
    var flipped = good
    for i in (good.count / 2)..<(good.count / 2 + 16) { flipped[i] ^= 0xA5 }
    let corrupt = try jobs.file("corrupt.ckpt", bytes: flipped)
    let truncated = try jobs.file("truncated.ckpt", bytes: Array(good.prefix(good.count / 2)))
    let missing = (jobs.folder as NSString).appendingPathComponent("missing.ckpt")
    #expect(throws: CheckpointError.notACheckpoint(path: text)) { try Predictor(checkpoint: text) }
    #expect(throws: CheckpointError.notACheckpoint(path: image)) { try Predictor(checkpoint: image) }
    #expect(throws: CheckpointError.checksumMismatch(path: corrupt)) { try Predictor(checkpoint: corrupt) }
    #expect(throws: CheckpointError.truncated(path: truncated)) { try Predictor(checkpoint: truncated) }
    #expect(throws: CheckpointError.missing(path: missing)) { try Predictor(checkpoint: missing) }
    // An engine checkpoint that no trainer wrote.
    let bare = (jobs.folder as NSString).appendingPathComponent("bare.ckpt")
    try Checkpoint(tensors: [NamedTensor(name: "w", tensor: Tensor(zeros: [2]))]).write(to: bare)
    #expect(throws: ModelCheckpointError.wrongModel(path: bare, found: "(none)", expected: "hagan or cnn")) {
        try Predictor(checkpoint: bare)
    }
}

@Test func checkpointsOfAnotherArchitectureNameWhatDiffers() throws {
    let jobs = try TrainedJobs.shared.get()
    // HA-GAN tensors under a CNN label: the first tensor the CNN expects is missing.
    let relabelled = try jobs.modified("hagan", name: "relabelled.ckpt") { $0.metadata["model"] = "cnn" }
    let error = #expect(throws: ModelCheckpointError.self) { try Predictor(checkpoint: relabelled) }
    #expect(error?.description.contains(relabelled) == true)
    // A configuration that does not fit the tensors: the error names the tensor and its shapes.
    let wider = try jobs.modified("hagan", name: "wider.ckpt") {
        $0.metadata["config"] = $0.metadata["config"]!.replacingOccurrences(of: "\"codeSize\":16", with: "\"codeSize\":24")
    }
    let shape = #expect(throws: ModelCheckpointError.self) { try Predictor(checkpoint: wider) }
    let text = shape?.description ?? ""
    #expect(text.contains(wider) && text.contains("generator.") && text.contains("24"), "\(text)")
    // A prediction setup that contradicts the network: the setting and both values.
    let setup = PredictionSetup(classes: ["a", "b", "c", "d", "e", "f", "g"], channels: 1, imageSize: 36, cropSize: 32, characters: [])
    let sevenClasses = try jobs.modified("cnn", name: "seven.ckpt") { $0.metadata["extra.prediction"] = setup.metadata["prediction"] }
    #expect(throws: PredictionError.inconsistentSetup(path: sevenClasses, setting: "classes (count)", setup: "7",
                                                      network: "expressionCount = 6")) {
        try Predictor(checkpoint: sevenClasses)
    }
    let garbled = try jobs.modified("cnn", name: "garbled.ckpt") { $0.metadata["extra.prediction"] = "{" }
    #expect(throws: ModelCheckpointError.badMetadata(path: garbled, key: "extra.prediction")) { try Predictor(checkpoint: garbled) }
}

@Test func imagesThatDoNotDecodeAreErrorsNamingTheFile() throws {
    let jobs = try TrainedJobs.shared.get()
    let predictor = try Predictor(checkpoint: jobs.checkpoints["hagan"]!)
    let good = jobs.evaluations["hagan"]![0].sampleID
    let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: good)))
    let truncated = try jobs.file("half.png", bytes: Array(bytes.prefix(bytes.count / 2)))
    let text = try jobs.file("face.png", bytes: Array("not an image".utf8))
    let out = (jobs.folder as NSString).appendingPathComponent("no-characters")
    for bad in [truncated, text, (jobs.folder as NSString).appendingPathComponent("absent.png")] {
        do {
            _ = try predictor.run(images: [good, bad], characterFolder: out)
            Issue.record("\(bad) was predicted")
        } catch let error as DataError {
            guard case .cannotDecode(let path, _) = error else { Issue.record("unexpected \(error)"); continue }
            #expect(path == bad && error.description.contains(bad))
        }
    }
    // Nothing was written for the good image either.
    #expect(!FileManager.default.fileExists(atPath: out))
    #expect(throws: PredictionError.noImages) { try predictor.run(images: []) }
}

@Test func outputTableAndJSONCarryEveryProbability() throws {
    let jobs = try TrainedJobs.shared.get()
    let predictor = try Predictor(checkpoint: jobs.checkpoints["cnn"]!)
    let paths = Array(jobs.evaluations["cnn"]!.map(\.sampleID).prefix(2))
    let predicted = try predictor.run(images: paths)
    let lines = predictor.render(predicted, format: .text).split(separator: "\n").map(String.init)
    #expect(lines.count == 4 && lines[0].contains("CNN baseline, epoch 1"))
    #expect(lines[1].split(separator: " ") == ["image", "expression"] + predictor.setup.classes.map { Substring($0) })
    for (line, p) in zip(lines.dropFirst(2), predicted) {
        let cells = line.split(separator: " ").map(String.init)
        #expect(cells[0] == p.image && cells[1] == p.expression)
        #expect(cells.dropFirst(2).map { Double($0)! } == p.probabilities.map { (Double($0) * 1e4).rounded() / 1e4 })
    }
    let json = predictor.render(predicted, format: .json)
    let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(document["classes"] as? [String] == predictor.setup.classes && document["model"] as? String == "cnn")
    let rows = try #require(document["predictions"] as? [[String: Any]])
    for (row, p) in zip(rows, predicted) {
        let probabilities = try #require(row["probabilities"] as? [String: Double])
        #expect(predictor.setup.classes.map { Float(probabilities[$0]!) } == p.probabilities)
        #expect(row["image"] as? String == p.image && row["label"] as? Int == p.label)
    }
}

@Test func forgedOrNonFiniteCheckpointsAreErrorsNotCrashes() throws {
    let jobs = try TrainedJobs.shared.get()
    // A valid checksum over a NaN weight: refused, not printed as "nan" or an empty JSON line.
    let nan = try jobs.modified("hagan", name: "nan.ckpt") { $0.tensors[0].tensor.scalars[0] = .nan }
    let error = #expect(throws: PredictionError.self) { try Predictor(checkpoint: nan) }
    #expect(error?.description.contains(nan) == true && error?.description.contains("NaN") == true)
    // Sizes that would make the trainer allocate terabytes are refused before anything is built.
    let huge = try jobs.modified("hagan", name: "huge.ckpt") {
        $0.metadata["config"] = $0.metadata["config"]!.replacingOccurrences(of: "\"expressionCount\":6", with: "\"expressionCount\":1000000000")
    }
    let tooMany = #expect(throws: ModelCheckpointError.self) { try Predictor(checkpoint: huge) }
    #expect(tooMany?.description.contains(huge) == true && tooMany?.description.contains("expressionCount") == true)
    // Sizes in range whose networks the file does not hold (16 GB of weights): refused before building.
    let large = try jobs.modified("hagan", name: "large.ckpt") { c in
        var config = c.metadata["config"]!
        for key in ["imageSize", "codeSize"] {
            config = config.replacingOccurrences(of: "\"\(key)\":[0-9]+", with: "\"\(key)\":\(key == "codeSize" ? 4096 : 1024)", options: .regularExpression)
        }
        c.metadata["config"] = config
    }
    let unheld = #expect(throws: ModelCheckpointError.self) { try Predictor(checkpoint: large) }
    #expect(unheld?.description.contains("needs at least") == true, "\(unheld?.description ?? "")")
    let wide = try jobs.modified("cnn", name: "wide.ckpt") {
        $0.metadata["extra.prediction"] = $0.metadata["extra.prediction"]!.replacingOccurrences(of: "\"imageSize\":36", with: "\"imageSize\":100000")
    }
    #expect(throws: PredictionError.self) { try Predictor(checkpoint: wide) }
}

/// A checkpoint lists the subjects its model was trained on (the fold's training subjects, none
/// of the test fold's); `exp predict` reports them and warns about inputs of those subjects. A
/// checkpoint from before they were recorded loads and reports them as unknown.
@Test func checkpointsRecordTheirTrainingSubjects() throws {
    let jobs = try TrainedJobs.shared.get()
    let predictor = try Predictor(checkpoint: jobs.checkpoints["cnn"]!)
    let evaluation = try #require(jobs.evaluations["cnn"])
    let tested = Set(evaluation.map(\.subject))
    let subjects = try #require(predictor.trainingSubjects)
    #expect(!subjects.isEmpty && tested.isDisjoint(with: subjects))
    #expect(Set(subjects).union(tested) == Set((1...6).map { String(format: "S%03d", $0) }))
    #expect(subjects == subjects.sorted())

    let testImage = evaluation[0].sampleID
    #expect(Predictor.subject(ofFile: testImage) == evaluation[0].subject)
    #expect(predictor.trainingSubjectWarnings(images: [testImage]).isEmpty)
    let happy = (jobs.folder as NSString).appendingPathComponent("faces/happy")
    let trained = try #require(try FileManager.default.contentsOfDirectory(atPath: happy).sorted().first { $0.hasPrefix(subjects[0] + "_") })
    let trainedPath = (happy as NSString).appendingPathComponent(trained)
    let warnings = predictor.trainingSubjectWarnings(images: [testImage, trainedPath])
    #expect(warnings.count == 1 && warnings[0].contains("\(trainedPath): subject \(subjects[0])"), "\(warnings)")

    let predictions = try predictor.run(images: [testImage])
    #expect(predictor.render(predictions, format: .text).contains("trained on \(subjects.count) subjects"))
    let json = try JSONSerialization.jsonObject(with: Data(predictor.render(predictions, format: .json).utf8)) as? [String: Any]
    #expect(json?["trainingSubjects"] as? [String] == subjects)

    let old = try jobs.modified("cnn", name: "before-subjects.ckpt") { $0.metadata["extra.trainingSubjects"] = nil }
    let oldPredictor = try Predictor(checkpoint: old)
    #expect(oldPredictor.trainingSubjects == nil)
    #expect(oldPredictor.trainingSubjectWarnings(images: [trainedPath]).isEmpty)
    #expect(oldPredictor.render(predictions, format: .text).contains("training subjects not recorded"))
    let oldJSON = try JSONSerialization.jsonObject(with: Data(oldPredictor.render(predictions, format: .json).utf8)) as? [String: Any]
    #expect(oldJSON?.keys.contains("trainingSubjects") == true && oldJSON?["trainingSubjects"] is NSNull)
    // Damaged, they are an error naming the file and the key.
    let bad = try jobs.modified("cnn", name: "bad-subjects.ckpt") { $0.metadata["extra.trainingSubjects"] = "[1," }
    #expect(throws: ModelCheckpointError.badMetadata(path: bad, key: "extra.trainingSubjects")) { try Predictor(checkpoint: bad) }
}
