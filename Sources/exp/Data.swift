// `exp data`: inspect a dataset in its native layout (classes, subjects, folds, skipped files,
// frames chosen per sequence, how the faces were aligned) and measure the data path's and the face
// detector's throughput. `exp data align` is in DataAlign.swift, `exp data check` in DataCheck.swift.

import ArgumentParser
import Benchmarks
import FaceData
import Foundation
import RunLog
import Runner
import Spec
import Vocabulary

/// Every dataset kind `exp data` reads: the native-layout loaders and the synthetic faces.
/// Every dataset kind a spec can name (the runner's registry, the synthetic kind included).
var dataLoaders: DatasetLoaders { JobData.loaders }

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect datasets and measure the data path.",
        subcommands: [DataInspect.self, DataAlign.self, DataCheck.self, DataBench.self]
    )
}

/// The options that name a dataset without a spec.
struct DatasetOptions: ParsableArguments {
    @Option(help: "Dataset kind: \(dataLoaders.kinds.joined(separator: ", ")).") var kind: String?
    @Option(help: "Dataset root folder (the CSV file for csv; any value for synthetic).") var root: String?
    @Option(help: "Class set: basic6, basic7 (with neutral) or basic6+contempt.") var classes = "basic6"
    @Option(name: .customLong("option"), help: "Loader option key=value (repeatable), e.g. --option subject='^(S[0-9]+)_'.")
    var loaderOptions: [String] = []
    @Flag(help: "Skip unreadable images and count them (default: stop and list them).") var skipUnreadable = false

    func validate() throws {
        guard ClassSet(rawValue: classes) != nil else {
            throw ValidationError("--classes '\(classes)': use one of \(ClassSet.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for o in loaderOptions where !o.contains("=") {
            throw ValidationError("--option '\(o)': expected key=value")
        }
    }

    /// The dataset named by --kind and --root (both required without a spec).
    func description() throws -> DatasetDescription {
        guard let kind, let root else { throw ValidationError("name a dataset with --kind K --root DIR, or give a spec file") }
        var options: [String: String] = [:]
        for o in loaderOptions {
            let parts = o.split(separator: "=", maxSplits: 1)
            options[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return try DatasetDescription(kind: kind, root: root, classes: ClassSet(rawValue: classes)!, options: options,
                                  skipUnreadable: skipUnreadable)
    }
}

struct DataInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Images per class, per subject and per fold; skipped files and why; frames chosen per sequence.",
        discussion: """
            Name the dataset with --kind and --root, or give an experiment spec: then its dataset, folds, \
            seed and alignment settings are used. Faces are aligned as `exp run` aligns them; images \
            with no face are counted and listed with the reason, whatever --no-face says.
            """)

    @Argument(help: "An experiment spec (JSON) whose dataset to inspect.") var spec: String?
    @Option(name: .customLong("set"), help: "Override a spec value (with a spec), e.g. --set dataset.root=/data/CK+.")
    var overrides: [String] = []
    @OptionGroup var dataset: DatasetOptions
    @Option(help: "Subject-independent folds to show (0: none).") var folds = 0
    @Option(help: "Seed of the fold assignment.") var seed: UInt64 = 1
    @Option(help: "How many skipped files and sequences to list one by one.") var list = 20
    @OptionGroup var alignment: AlignmentOptions
    @Option(help: "Results folder whose faces/ cache holds the detections (shared with exp run).") var results = "results"

    func validate() throws {
        guard folds == 0 || folds >= 2 else { throw ValidationError("--folds \(folds): use 0 (none) or at least 2") }
    }

    func run() throws {
        let cache = ResultsLayout(root: results).faces
        // Where the aligned faces went (the face cache `exp run --results` shares), when any did.
        defer {
            let path = URL(fileURLWithPath: cache.folder).standardizedFileURL.path
            if FileManager.default.fileExists(atPath: path) {
                FileHandle.standardError.write(Data(("face cache: \(path) (the one `exp run --results \(results)` reads; "
                    + "--results DIR keeps it elsewhere)\n").utf8))
            }
        }
        if let spec {
            // The spec's dataset, aligned as `exp run` aligns it (images with no face are listed,
            // not fatal), with the fold assignment of its first run.
            let loadedSpec = try SpecLoader.load(path: spec, overrides: overrides).spec
            let loaded = try JobData.dataset(loadedSpec, cache: cache, stopOnNoFace: false)
            let assignment = try JobData.folds(loaded, loadedSpec, run: 0)
            let seedText = "\(loadedSpec.seed), the spec's; run 0's split seed \(assignment.seed)"
            print(DatasetInspection(dataset: loaded, folds: assignment, seedText: seedText).render(listLimit: list))
            return
        }
        let description = try dataset.description()
        var loaded = try dataLoaders.load(description, checkImages: false)
        let settings = alignment.settings(kind: description.kind)
        try FaceAligner(settings: settings, channels: 1, imageSize: PaperProtocol.imageSize, cache: cache)
            .align(&loaded, stopOnNoFace: false)
        let assignment = folds > 0 ? try FoldAssignment(dataset: loaded, folds: folds, seed: seed) : nil
        print(DatasetInspection(dataset: loaded, folds: assignment).render(listLimit: list))
    }
}

struct DataBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Decode + preprocess + augment throughput on one thread, in samples per second (use a release build).")

    @OptionGroup var dataset: DatasetOptions
    @Option(help: "Channels of the face images (1 or 3).") var channels = 1
    @Option(help: "Side of the preprocessed face image.") var imageSize = 80
    @Option(help: "Side of the augmented crop.") var cropSize = 75
    @Option(help: "Samples to run through.") var samples = 5000
    @Option(help: "Seed of the variant draws.") var seed: UInt64 = 1
    @Flag(help: "Time the steady state with the preprocessed-image cache warm (augmentation only).") var cached = false
    @Flag(help: "Time dlib's face detection instead, on the dataset's images fitted into each of --frames.") var detect = false
    @Option(help: "Frame sizes for --detect, WxH comma-separated.") var frames = "640x480,320x240"
    @Option(help: "Detector upsampling for --detect (0: faces of 80 pixels and more).") var upsample = 0
    @Option(help: "Detections timed per frame size for --detect.") var detections = 40
    @Option(help: ArgumentHelp("dlib's 68-point landmark model for --detect.", valueName: "file"))
    var faceModel = FaceDetector.defaultModelPath

    func validate() throws {
        guard channels == 1 || channels == 3 else { throw ValidationError("--channels \(channels): use 1 or 3") }
        guard cropSize > 0, cropSize <= imageSize else {
            throw ValidationError("--crop-size \(cropSize): use 1...\(imageSize) (the image size)")
        }
        guard samples > 0 else { throw ValidationError("--samples \(samples): use a positive count") }
    }

    /// The --frames sizes.
    var frameSizes: [(width: Int, height: Int)] {
        frames.split(separator: ",").compactMap { part in
            let wh = part.split(separator: "x").compactMap { Int($0) }
            return wh.count == 2 && wh[0] >= 16 && wh[1] >= 16 ? (wh[0], wh[1]) : nil
        }
    }

    func run() throws {
        let loaded = try dataLoaders.load(try dataset.description(), checkImages: false)
        if detect { return try runDetection(loaded) }
        let result = try DataBenchmark.run(
            dataset: loaded, preprocessor: Preprocessor(channels: channels, imageSize: imageSize),
            augmenter: Augmenter(.paper110, cropSize: cropSize), count: samples, seed: seed, cached: cached)
        let path = cached
            ? "\(cropSize)x\(cropSize) paper augmentation of cached \(imageSize)x\(imageSize) faces"
            : "decode + \(imageSize)x\(imageSize) preprocessing + \(cropSize)x\(cropSize) paper augmentation, no cache"
        print("\(result.samples) samples (\(path)) in \(String(format: "%.2f", result.seconds)) s: "
            + "\(Int(result.samplesPerSecond.rounded())) samples/s on one thread")
    }

    private func runDetection(_ loaded: Dataset) throws {
        guard (0...3).contains(upsample) else { throw ValidationError("--upsample \(upsample): use 0...3") }
        let sizes = frameSizes
        guard !sizes.isEmpty, sizes.count == frames.split(separator: ",").count else {
            throw ValidationError("--frames \(frames): give sizes like 640x480,320x240 (each side at least 16)")
        }
        let detector = try FaceDetector(modelPath: faceModel)
        guard detections > 0 else { throw ValidationError("--detections \(detections): use a positive count") }
        let picked = AlignmentSheet.sampleIndices(count: min(detections, 50), of: loaded.samples.count)
        let images = try picked.map { loaded.samples[$0] }.map { sample -> Image in
            switch sample.source {
            case .file(let path): return try Image(contentsOf: path)
            case .memory(let image): return image
            }
        }
        print("dlib \(FaceDetector.dlibVersion) detection + 68 landmarks, one thread, upsample \(upsample); CPU \(Measure.cpuDescription())")
        for (width, height) in sizes {
            let r = try DetectionBenchmark.run(detector: detector, images: images, width: width, height: height, upsample: upsample,
                                               count: detections)
            print("\(width)x\(height): \(r.images) images in \(String(format: "%.2f", r.seconds)) s: "
                + "\(String(format: "%.1f", r.perSecond)) detections/s (a face found in \(r.found))")
        }
    }
}
