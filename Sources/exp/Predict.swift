// `exp predict`: the expression of image files by a checkpoint that `exp run` wrote, and for an
// HA-GAN the character image it generates for each.

import ArgumentParser
import FaceData
import NN
import Runner

extension PredictionFormat: ExpressibleByArgument {}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict the expression of images with a trained checkpoint (CNN baseline or HA-GAN).",
        discussion: """
            The checkpoint is one that `exp run` wrote: results/checkpoints/<hash>/job-<id>.ckpt. Each \
            image (PNG, JPEG or TIFF; alpha is dropped) is taken as an already-cropped face and prepared \
            as the test images were: converted to the model's channels (gray or RGB), resized to the \
            spec's imageSize (images of any size are resized, not refused), and centre-cropped to cropSize. \
            With --detect, each image is a photo of any size: dlib finds the face (the largest, when \
            there are several), which is aligned by its eye centres as the training faces were before \
            the crop; an image with no face is an error naming it. Prints the predicted \
            expression and the class probabilities of each image (with --detect, the face box; \
            --format json adds the 68 landmarks). With --character-out, an HA-GAN \
            also writes the character image it generates for each input (DIR/<image name>.png) with \
            the model's test character and test z.
            """)

    @Option(help: ArgumentHelp("A checkpoint written by `exp run`.", valueName: "file")) var checkpoint: String
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
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        BLAS.threadCount = threads
        let predictor = try Predictor(checkpoint: checkpoint)
        let detector = detect ? try FaceDetector(modelPath: faceModel) : nil
        let predictions = try predictor.run(images: images, characterFolder: characterOut, detector: detector)
        print(predictor.render(predictions, format: format), terminator: "")
    }
}
