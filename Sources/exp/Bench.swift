// `exp bench`: performance measurements (run on a release build).

import ArgumentParser
import NN

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed and memory (use a release build: make bench).",
        subcommands: [BenchEngine.self, BenchTrain.self]
    )
}
