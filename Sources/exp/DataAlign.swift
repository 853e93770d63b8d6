// `exp data align`: a dataset's faces detected and aligned as `exp run` aligns them (section 5.1),
// written out as face images in the folder layout, OpenFace-style landmark CSVs and a contact
// sheet to check by eye. Also the alignment options `exp data inspect` shares.

import ArgumentParser
import Benchmarks
import FaceData
import Foundation
import RunLog
import Runner
import Vocabulary

extension Alignment: ExpressibleByArgument {}
extension NoFacePolicy: ExpressibleByArgument {}

/// The spec's `align`, `noFace` and `alignment` keys as options, and dlib's model file.
struct AlignmentOptions: ParsableArguments {
    @Option(help: "Landmarks that align each face: auto (the dataset's own, else OpenFace CSVs, else dlib), landmarks, detect or none.")
    var align: Alignment?
    @Option(name: .customLong("no-face"), help: "Images with no face: error, skip or center (the whole frame).")
    var noFace: NoFacePolicy = .error
    @Option(help: "Distance between the eye centres as a share of the face image side.")
    var eyeDistance = AlignmentGeometry.standard.eyeDistance
    @Option(help: "Height of the eye line as a share of the face image side.") var eyeLevel = AlignmentGeometry.standard.eyeLevel
    @Option(help: "How many times dlib may double an image in which it finds no face (0-3).")
    var upsample = AlignmentGeometry.standard.upsample
    @Option(help: ArgumentHelp("dlib's 68-point landmark model (Debian package \(FaceDetector.modelPackage)).", valueName: "file"))
    var faceModel = FaceDetector.defaultModelPath

    func validate() throws {
        guard AlignmentGeometry.eyeDistanceRange.contains(eyeDistance) else {
            throw ValidationError("--eye-distance \(eyeDistance): use \(AlignmentGeometry.eyeDistanceRange)")
        }
        guard AlignmentGeometry.eyeLevelRange.contains(eyeLevel) else {
            throw ValidationError("--eye-level \(eyeLevel): use \(AlignmentGeometry.eyeLevelRange)")
        }
        guard AlignmentGeometry.upsampleRange.contains(upsample) else {
            throw ValidationError("--upsample \(upsample): use \(AlignmentGeometry.upsampleRange)")
        }
    }

    /// The settings for a dataset of `kind`: synthetic faces are drawn aligned, so they are used as
    /// they are unless --align asks otherwise.
    func settings(kind: String) -> AlignmentSettings {
        AlignmentSettings(method: align ?? (kind == "synthetic" ? .none : .auto), noFace: noFace,
                          geometry: AlignmentGeometry(eyeDistance: eyeDistance, eyeLevel: eyeLevel, upsample: upsample),
                          modelPath: faceModel)
    }
}

struct DataAlign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "align",
        abstract: "Detect and align a dataset's faces; write face images, landmark CSVs and a contact sheet.",
        discussion: """
            Faces are aligned as `exp run` aligns them: by the eye centres of the dataset's own \
            landmarks, OpenFace CSVs (--option openface=DIR) or dlib's detector and 68-point shape \
            predictor. Writes OUT/<expression>/<subject>_<sequence>_<frame>.png (read back with \
            --kind folder), OUT/index.csv, and OUT/landmarks/<path under the root>.csv in OpenFace \
            2.0's columns (read back with --option openface=OUT/landmarks). With --sheet, a contact \
            sheet: sampled frames with dlib's box (green), the 68 landmarks (red) and the eye centres \
            (blue) beside their aligned faces. Images with no face are listed with the reason; with \
            --no-face skip they are left out of OUT, otherwise written whole. Detections are cached in \
            RESULTS/faces, as by `exp run`.
            """)

    @OptionGroup var dataset: DatasetOptions
    @OptionGroup var alignment: AlignmentOptions
    @Option(help: ArgumentHelp("Folder to write the aligned dataset to.", valueName: "dir")) var out: String
    @Option(help: ArgumentHelp("Write a contact sheet (PNG) of sampled images.", valueName: "file")) var sheet: String?
    @Option(help: "Images on the contact sheet.") var sheetImages = 12
    @Option(help: "Height of a contact sheet row in pixels.") var sheetHeight = 180
    @Option(help: "Side of the aligned face images.") var imageSize = 80
    @Option(help: "Channels of the aligned face images (1 or 3).") var channels = 3
    @Option(help: "Results folder whose faces/ cache holds the detections.") var results = "results"

    func validate() throws {
        guard channels == 1 || channels == 3 else { throw ValidationError("--channels \(channels): use 1 or 3") }
        guard (16...1024).contains(imageSize) else { throw ValidationError("--image-size \(imageSize): use 16...1024") }
        guard sheetImages >= 1 else { throw ValidationError("--sheet-images \(sheetImages): use at least 1") }
        guard (32...1024).contains(sheetHeight) else { throw ValidationError("--sheet-height \(sheetHeight): use 32...1024") }
    }

    func run() throws {
        let description = try dataset.description()
        var loaded = try dataLoaders.load(description, checkImages: false)
        let aligner = FaceAligner(settings: alignment.settings(kind: description.kind), channels: channels, imageSize: imageSize,
                                  cache: ResultsLayout(root: results).faces)
        let seconds = try Measure.time { try aligner.align(&loaded, stopOnNoFace: false) }.wall
        print(DatasetInspection(dataset: loaded).renderAlignment())
        if let report = loaded.alignment, report.detectionsRun > 0 {
            let rate = Double(report.detectionsRun) / report.detectionSeconds
            print("\(report.detectionsRun) detections in \(String(format: "%.2f", report.detectionSeconds)) s of detector time: "
                + "\(String(format: "%.1f", rate)) images/s on one thread (\(String(format: "%.1f", seconds)) s in all, with "
                + "decoding, alignment and reading the model); CPU \(Measure.cpuDescription())")
        }
        let summary = try AlignedDatasetWriter.write(loaded, preprocessor: aligner.preprocessor, to: out)
        print("wrote \(summary.images) face images and \(out)/index.csv; \(summary.landmarkFiles) landmark CSVs in "
            + "\(out)/landmarks (\(summary.withoutFace) without a face)")
        if let sheet {
            let indices = AlignmentSheet.sampleIndices(count: sheetImages, of: loaded.samples.count)
            try AlignmentSheet.make(loaded, indices: indices, preprocessor: aligner.preprocessor, height: sheetHeight).writePNG(to: sheet)
            print("contact sheet of \(indices.count) images: \(sheet)")
        }
    }
}
