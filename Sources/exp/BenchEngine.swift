import ArgumentParser
import NN

struct BenchEngine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Conv and conv-transpose GFLOP/s of the HA-GAN layer shapes beside raw sgemm.")

    func run() throws {
        throw ValidationError("not built yet")
    }
}
