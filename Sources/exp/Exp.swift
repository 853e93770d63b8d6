// The `exp` command line: a thin layer that parses arguments, calls the libraries and maps their
// errors to messages and exit codes.

import ArgumentParser
import CProcessControl
import Foundation
import Runner
import Vocabulary

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
        subcommands: [Run.self, Plan.self, Verify.self, Status.self, ListCommand.self, ReportCommand.self, CompareCommand.self, Predict.self, Tune.self, ServeCommand.self, Worker.self, Calibrate.self, DataCommand.self, Synth.self, Bench.self]
    )

    /// OpenBLAS's idle threads spin for up to 2^28 cycles after each GEMM before they sleep; on two
    /// cores they then steal half a core from the element-wise kernels and the per-image GEMM
    /// chunks that `NN` runs on its own threads between GEMMs. With `OPENBLAS_THREAD_TIMEOUT=4`
    /// they sleep at once: on 2 threads, 64x64 batch 64, HA-GAN training went from 85-89 to
    /// 95-102 images/s and batched inference from 294-297 to 372-391 (`exp bench train`).
    /// OpenBLAS reads the variable only when it is loaded, so `exp` starts itself again once with
    /// it set, unless the user set it. Workers inherit it from the coordinator.
    static let blasThreadTimeout = "4"

    static func main() {
        prepareEnvironment()
        _ = exp_keep_freed_memory()
        main(nil)
    }

    /// Sets what OpenBLAS reads when it loads, and starts `exp` again once when anything changed:
    /// the idle-thread timeout above, and the kernel of the numerics mode (`EXP_NUMERICS`,
    /// `portable` unless set: OpenBLAS's Haswell kernel; see `Numerics`).
    static func prepareEnvironment() {
        let environment = ProcessInfo.processInfo.environment
        if let mode = environment[Numerics.modeVariable], NumericsMode(rawValue: mode) == nil {
            FileHandle.standardError.write(Data("Error: \(Numerics.modeVariable)=\(mode) is not a numerics mode; use portable or native (or leave it unset: portable)\n".utf8))
            Foundation.exit(1)
        }
        var changes = Numerics.processEnvironment(environment, cpuRunsPortable: Numerics.cpuRunsPortable)
        if environment["OPENBLAS_THREAD_TIMEOUT"] == nil { changes["OPENBLAS_THREAD_TIMEOUT"] = blasThreadTimeout }
        guard !changes.isEmpty else { return }
        for (name, value) in changes {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
        _ = exp_reexec(CommandLine.unsafeArgv)
    }
}
