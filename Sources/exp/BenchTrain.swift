// `exp bench train`: prints images per second of the HA-GAN training iteration, the CNN baseline
// step and HA-GAN inference for each BLAS thread count (Benchmarks' `TrainingBenchmark`), with the
// process's peak memory; optionally beside the PyTorch reference, with the ratio ours / reference.

import ArgumentParser
import Benchmarks
import Foundation
import NN

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training and inference speed of HA-GAN and the CNN baseline, optionally beside the PyTorch reference.",
        discussion: """
            Peak memory is the whole process's: to read the peak of one setting (say batch 130 at \
            75x75), run that setting alone with --modes gan --threads 1.
            """)

    @Option(help: "Input size (square).") var size = 64
    @Option(help: "Channels of the human and character images (1 or 3).") var channels = 1
    @Option(help: "Batch size for training and batched inference.") var batch = 64
    @Option(help: "BLAS thread counts, comma-separated.") var threads = "1,2"
    @Option(help: "What to measure, comma-separated: gan, cnn, infer (G then D^e at batch 1 and --batch).") var modes = "gan,cnn,infer"
    @Option(help: "Minimum timed seconds per measurement.") var minSeconds = 4.0
    @Option(help: "Measurements per setting (ours and the reference interleaved); medians are reported.") var repeats = 1
    @Option(help: "GEMM strategy of every conv layer: automatic, batched or perImage.") var strategy = "automatic"
    @Option(help: "Python with PyTorch to run the reference with (e.g. ~/torchref/bin/python); none skips it.") var reference: String?
    @Option(help: "The reference script.") var referenceScript = "../shared/bench/hagan_torch.py"

    func validate() throws {
        guard [1, 3].contains(channels) else { throw ValidationError("--channels \(channels): use 1 or 3") }
        guard size >= 32 else { throw ValidationError("--size \(size): use 32 or more") }
        guard batch >= 2 else { throw ValidationError("--batch \(batch): use 2 or more") }
        guard repeats >= 1, minSeconds > 0 else { throw ValidationError("--repeats and --min-seconds must be positive") }
        if reference != nil, !FileManager.default.fileExists(atPath: referenceScript) {
            throw ValidationError("--reference-script \(referenceScript) does not exist; give the path of hagan_torch.py")
        }
    }

    func run() throws {
        let threadList = try parseList(threads, "--threads") { Int($0).flatMap { $0 >= 1 ? $0 : nil } }
        let modeList = try parseList(modes, "--modes") { TrainingBenchmark.Mode(rawValue: $0) }
        guard let gemm = GEMMStrategy(rawValue: strategy) else {
            throw ValidationError("--strategy \(strategy): use automatic, batched or perImage")
        }
        let settings = try TrainingBenchmark.settings(modeList, size: size, channels: channels, batch: batch, strategy: gemm)
        print("exp bench train: \(size)x\(size), \(channels) channel(s); BLAS \(BLAS.configuration)")
        // Other processes skew every figure (two-thread ones most): show how busy the machine is.
        if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
            print("load average at start: \(load.split(separator: " ").prefix(3).joined(separator: " "))")
        }
        print(pad("setting", 38) + pad("threads", 9) + pad("ours img/s", 12) + (reference == nil ? "" : pad("ref img/s", 11) + "ratio"))
        let python = reference.map { PyTorchReference(python: $0, script: referenceScript) }
        try TrainingBenchmark.compare(settings, threads: threadList, repeats: repeats, minSeconds: minSeconds, reference: python) {
            setting, t, ours, theirs in
            var line = pad(setting.name, 38) + pad("\(t)", 9) + pad(f1(ours), 12)
            if let theirs { line += pad(f1(theirs), 11) + String(format: "%.2fx", ours / theirs) }
            print(line)
            fflush(stdout)
        }
        print("peak resident memory of exp: \(f1(Measure.residentMemoryMiB().peak)) MiB")
        printBreakdown(settings, threads: threadList.contains(1) ? 1 : threadList[0])
    }

    /// Each setting's step split into the engine's kernel kinds, as shares of its wall time.
    private func printBreakdown(_ settings: [TrainingBenchmark], threads t: Int) {
        BLAS.threadCount = t
        print("")
        print("where a step's time goes (\(t) BLAS thread\(t == 1 ? "" : "s"); CPU \(Measure.cpuDescription())):")
        var rows: [(String, [(name: String, seconds: Double)], Double)] = []
        for setting in settings {
            let (parts, step) = setting.breakdown(minSeconds: minSeconds / 2)
            rows.append((setting.name, parts, step))
        }
        guard let names = rows.first?.1.map(\.name) else { return }
        print(pad("setting", 38) + pad("ms/step", 9) + names.map { pad($0, max(8, $0.count + 2)) }.joined())
        for (name, parts, step) in rows {
            var line = pad(name, 38) + pad(f1(step * 1000), 9)
            for (i, part) in parts.enumerated() {
                line += pad(String(format: "%.1f%%", 100 * part.seconds / step), max(8, names[i].count + 2))
            }
            print(line)
        }
        if t > 1 { print("(with more than one thread, kernel shares are thread time and add up to more than the step)") }
        if reference != nil {
            // Linux keeps a process's peak RSS across exec: a child's own figure would include ours.
            print("(the reference's peak memory is only meaningful when it runs alone, not as a child of exp)")
        }
    }
}
