// `exp predict`: the expression of image files by a checkpoint that `exp run` wrote, and for an
// HA-GAN the character image it generates for each.

import ArgumentParser
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
            spec's imageSize (images of any size are resized, not refused), and centre-cropped to cropSize. Prints the predicted \
            expression and the class probabilities of each image. With --character-out, an HA-GAN \
            also writes the character image it generates for each input (DIR/<image name>.png) with \
            the model's test character and test z.
            """)

    @Option(help: ArgumentHelp("A checkpoint written by `exp run`.", valueName: "file")) var checkpoint: String
    @Argument(help: ArgumentHelp("Image files (PNG, JPEG, TIFF).", valueName: "image")) var images: [String] = []
    @Option(help: ArgumentHelp("Write each input's generated character image (PNG) to this folder (HA-GAN only).", valueName: "dir"))
    var characterOut: String?
    @Option(help: "Output format.") var format: PredictionFormat = .text
    @Option(help: "BLAS threads (the same count gives the same bits).") var threads = 1

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give one or more image files after the options") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        BLAS.threadCount = threads
        let predictor = try Predictor(checkpoint: checkpoint)
        let predictions = try predictor.run(images: images, characterFolder: characterOut)
        print(predictor.render(predictions, format: format), terminator: "")
    }
}
