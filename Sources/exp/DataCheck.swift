// `exp data check FILE...`: reads image files and checkpoints the way `exp run` and `exp predict`
// read them and says, one line per file, whether each can be used and why not. For a copy of a
// dataset or a results folder after a disk problem; the fuzz test runs it on mutated files.

import ArgumentParser
import FaceData
import Foundation
import NN
import Runner

struct DataCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Read image files and checkpoints; say for each whether it can be used, and why not.",
        discussion: """
            Images (PNG, JPEG, TIFF) are decoded as a dataset loader decodes them. Checkpoints (files \
            that begin with exp's checkpoint magic number) are loaded as `exp predict` loads them: the \
            checksum, every size against the network it describes, and every weight checked finite. \
            Prints `ok` or `error` and the file, with what it holds or what is wrong; exits 1 when any \
            file cannot be used.
            """)

    @Argument(help: ArgumentHelp("Image files and checkpoints.", valueName: "file")) var files: [String] = []

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give one or more files to check") }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        var failed = 0
        for path in files {
            do {
                print("ok     \(path): \(try Self.describe(path))")
            } catch {
                failed += 1
                print("error  \(path): \(error)")
            }
        }
        if failed > 0 {
            print("\(failed) of \(files.count) file(s) cannot be used")
            throw ExitCode(1)
        }
    }

    /// What a usable file holds; throws what makes it unusable.
    static func describe(_ path: String) throws -> String {
        let head = FileHandle(forReadingAtPath: path).flatMap { try? $0.read(upToCount: Checkpoint.magic.count) }
        if let head, [UInt8](head) == Checkpoint.magic {
            let predictor = try Predictor(checkpoint: path)
            let model = predictor.modelKind == "hagan" ? "HA-GAN" : "CNN baseline"
            return "\(model) checkpoint after epoch \(predictor.epoch); \(predictor.setup.classes.count) classes, "
                + "\(predictor.setup.cropSize)x\(predictor.setup.cropSize) crops of \(predictor.setup.imageSize)x\(predictor.setup.imageSize) images"
        }
        let image = try Image(contentsOf: path)
        return "image, \(image.width)x\(image.height), \(image.channels == 1 ? "gray" : "\(image.channels) channels")"
    }
}
