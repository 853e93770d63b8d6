// `exp predict`: the expression of image files by a checkpoint that `exp run` wrote, and for an
// HA-GAN the character image it generates for each.

import ArgumentParser
import Foundation
import FaceData
import NN
import Runner

extension PredictionFormat: ExpressibleByArgument {}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict the expression of images with a trained checkpoint (CNN baseline or HA-GAN).",
        discussion: """
            The checkpoint is one that `exp run` wrote: give the file with --checkpoint \
            (results/checkpoints/<hash>/<model>-run<R>-fold<F>.ckpt, or job-<id>.ckpt from earlier builds), \
            or name the job with --experiment NAME --model M --fold F [--run R] and the run log says which \
            file it is. The output says how many subjects the model was trained on (--format json lists \
            them), and a warning goes to stderr for an input whose file name gives one of them as its \
            subject (CK+-style S010_...). Each \
            image (PNG, JPEG or TIFF; alpha is dropped) is taken as an already-cropped face and prepared \
            as the test images were: converted to the model's channels (gray or RGB), resized to the \
            spec's imageSize (images of any size are resized, not refused), and centre-cropped to cropSize. \
            With --detect, each image is a photo of any size: dlib finds the face (the largest, when \
            there are several), which is aligned by its eye centres as the training faces were before \
            the crop; an image with no face is an error line naming it, the others are still predicted, \
            and the exit status is 1. Prints the predicted \
            expression and the class probabilities of each image (with --detect, the face box; \
            --format json adds the 68 landmarks). With --character-out, an HA-GAN \
            also writes the character image it generates for each input (DIR/<image name>.png) with \
            the model's test character and test z.
            """)

    @Option(help: ArgumentHelp("A checkpoint written by `exp run`.", valueName: "file")) var checkpoint: String?
    @Option(help: ArgumentHelp("Take the checkpoint of a job of this experiment (name or spec-hash prefix) from the run log.",
                               valueName: "name")) var experiment: String?
    @Option(help: ArgumentHelp("With --experiment: the job's model (its name, e.g. HA-GAN, or file slug, e.g. ha-gan).", valueName: "name"))
    var model: String?
    @Option(help: "With --experiment: the job's fold (from 0).") var fold: Int?
    @Option(name: .customLong("run"), help: "With --experiment: the job's run (from 0); needed when the experiment has several.")
    var runIndex: Int?
    @Option(help: "With --experiment: the results folder holding runs.sqlite.") var results = "results"
    @Argument(help: ArgumentHelp("Image files (PNG, JPEG, TIFF).", valueName: "image")) var images: [String] = []
    @Option(help: ArgumentHelp("Write each input's generated character image (PNG) to this folder (HA-GAN only).", valueName: "dir"))
    var characterOut: String?
    @Option(help: "Output format.") var format: PredictionFormat = .text
    @Option(help: "BLAS threads (the same count gives the same bits).") var threads = 1
    @Flag(help: "Find the face with dlib and align it as in training (photos of any size).") var detect = false
    @Option(help: ArgumentHelp("dlib's 68-point landmark model for --detect (Debian package \(FaceDetector.modelPackage)).",
                               valueName: "file"))
    var faceModel = FaceDetector.defaultModelPath

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give one or more image files after the options") }
        if checkpoint != nil {
            guard experiment == nil, model == nil, fold == nil, runIndex == nil else {
                throw ValidationError("give either --checkpoint FILE or --experiment NAME --model M --fold F [--run R], not both")
            }
        } else {
            guard experiment != nil, let model, !model.isEmpty, fold != nil else {
                throw ValidationError("give --checkpoint FILE, or --experiment NAME --model M --fold F [--run R] to take it from the run log")
            }
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        BLAS.threadCount = threads
        let path: String
        if let checkpoint {
            path = checkpoint
        } else {
            try requireRunLog(results)
            path = try CheckpointLookup.find(results: results, experiment: experiment!, model: model!, fold: fold!, run: runIndex)
        }
        let predictor = try Predictor(checkpoint: path)
        if let warning = predictor.numericsWarning() { FileHandle.standardError.write(Data(("warning: " + warning + "\n").utf8)) }
        for warning in predictor.trainingSubjectWarnings(images: images) {
            FileHandle.standardError.write(Data((warning + "\n").utf8))
        }
        if let warning = predictor.syntheticWarning { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
        let detector = detect ? try FaceDetector(modelPath: faceModel) : nil
        // Each image on its own: one without a face (or unreadable) is an error line; the others
        // are still predicted, and the exit status says that not every image was.
        let outcomes = try predictor.runEach(images: images, characterFolder: characterOut, detector: detector)
        print(predictor.render(outcomes, format: format), terminator: "")
        let failed = outcomes.filter { if case .failed = $0 { true } else { false } }.count
        if failed > 0 {
            FileHandle.standardError.write(Data("\(failed) of \(outcomes.count) image(s) could not be predicted (see the error lines)\n".utf8))
            throw ExitCode(1)
        }
    }
}
