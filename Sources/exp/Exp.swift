// The `exp` command line: a thin layer that parses arguments, calls the libraries and maps their
// errors to messages and exit codes.

import ArgumentParser
import NN

@main
struct Exp: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "exp",
        abstract: "Reproducible facial-expression-recognition experiments (HA-GAN and a CNN baseline).",
        discussion: """
            exp reimplements "Facial Expression Recognition Using Human to Animated-Character \
            Expression Translation" (Ali, Isler and Hughes) on a CPU, with OpenBLAS-backed conv nets.
            """,
        version: version,
        subcommands: [Run.self, Status.self, ReportCommand.self, Predict.self, Worker.self, DataCommand.self, Synth.self, Bench.self]
    )
}
