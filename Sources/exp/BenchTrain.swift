// `exp bench train`: images per second of the HA-GAN training iteration, the CNN baseline step and
// HA-GAN inference (G then D^e) on synthetic tensors, for each BLAS thread count, with the process's
// peak memory; optionally beside the PyTorch reference (shared/bench/hagan_torch.py), run in a child
// process with the same settings, interleaved with ours, with the ratio ours / reference.

import ArgumentParser
import Foundation
import Models
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
        let modeList = try parseList(modes, "--modes") { ["gan", "cnn", "infer"].contains($0) ? $0 : nil }
        guard let gemm = GEMMStrategy(rawValue: strategy) else {
            throw ValidationError("--strategy \(strategy): use automatic, batched or perImage")
        }
        var settings: [(name: String, ours: () -> Double, referenceMode: String, batch: Int)] = []
        for mode in modeList {
            switch mode {
            case "gan":
                let bench = try GANTrainingBench(size: size, channels: channels, batch: batch, strategy: gemm)
                settings.append(("GAN training iteration, batch \(batch)", { bench.imagesPerSecond(minSeconds) }, "gan_train", batch))
            case "cnn":
                let bench = try CNNTrainingBench(size: size, channels: channels, batch: batch, strategy: gemm)
                settings.append(("CNN training step, batch \(batch)", { bench.imagesPerSecond(minSeconds) }, "cnn_train", batch))
            default:
                for b in [1, batch] {
                    let bench = try GANInferenceBench(size: size, channels: channels, batch: b, strategy: gemm)
                    settings.append(("GAN inference (G, D^e), batch \(b)", { bench.imagesPerSecond(minSeconds) }, "gan_infer", b))
                }
            }
        }
        print("exp bench train: \(size)x\(size), \(channels) channel(s); BLAS \(BLAS.configuration)")
        // Other processes skew every figure (two-thread ones most): show how busy the machine is.
        if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
            print("load average at start: \(load.split(separator: " ").prefix(3).joined(separator: " "))")
        }
        print(pad("setting", 38) + pad("threads", 9) + pad("ours img/s", 12) + (reference == nil ? "" : pad("ref img/s", 11) + "ratio"))
        for setting in settings {
            for t in threadList {
                var ours: [Double] = [], theirs: [Double] = []
                for _ in 0..<repeats {
                    BLAS.threadCount = t
                    ours.append(setting.ours())
                    if let reference {
                        theirs.append(try runReference(python: reference, mode: setting.referenceMode, threads: t, batch: setting.batch))
                    }
                }
                var line = pad(setting.name, 38) + pad("\(t)", 9) + pad(f1(median(ours)), 12)
                if !theirs.isEmpty {
                    line += pad(f1(median(theirs)), 11) + String(format: "%.2fx", median(ours) / median(theirs))
                }
                print(line)
                fflush(stdout)
            }
        }
        print("peak resident memory of exp: \(f1(Measure.residentMemoryMiB().peak)) MiB")
        if reference != nil {
            // Linux keeps a process's peak RSS across exec: a child's own figure would include ours.
            print("(the reference's peak memory is only meaningful when it runs alone, not as a child of exp)")
        }
    }

    /// Runs one reference measurement in a child process; returns its images per second.
    func runReference(python: String, mode: String, threads: Int, batch: Int) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [referenceScript, "--mode", mode, "--threads", "\(threads)", "--ch", "\(channels)",
                             "--size", "\(size)", "--batch", "\(batch)", "--min-time", "\(minSeconds)"]
        var env = ProcessInfo.processInfo.environment
        env["OMP_NUM_THREADS"] = "\(threads)"
        env["MKL_NUM_THREADS"] = "\(threads)"
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw ValidationError("cannot run the reference with \(python): \(error.localizedDescription)")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lastLine = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        guard process.terminationStatus == 0,
              let json = try? JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any],
              let rate = json["img_per_s"] as? Double
        else {
            throw ValidationError("the reference (\(python) \(referenceScript) --mode \(mode)) failed: \(errors.suffix(600))")
        }
        return rate
    }
}

private func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Median images per second of `body` over at least 5 timed calls and `minSeconds`, after 2 warm-up calls.
private func measureImagesPerSecond(batch: Int, minSeconds: Double, _ body: () -> Void) -> Double {
    body()
    body()
    var times: [Double] = []
    let start = Measure.now()
    while times.count < 5 || (Measure.now() - start < minSeconds && times.count < 2000) {
        let t0 = Measure.now()
        body()
        times.append(Measure.now() - t0)
    }
    return Double(batch) / median(times)
}

/// Uniform random tensor in [-1, 1).
private func randomImages(_ shape: [Int], _ stream: inout SeededGenerator) -> Tensor {
    var t = Tensor(zeros: shape)
    for i in 0..<t.count { t.scalars[i] = stream.uniform(-1, 1) }
    return t
}

extension HAGANTrainer {
    func useGEMMStrategy(_ strategy: GEMMStrategy) {
        setGEMMStrategy(strategy, in: [generator.encoder, generator.decoder, discriminator.trunk])
    }
}

private func benchConfig(size: Int, channels: Int, batch: Int) -> HAGANConfig {
    var c = HAGANConfig()
    c.imageSize = size
    c.humanChannels = channels
    c.characterChannels = channels
    c.batchSize = max(2, batch)
    return c
}

private struct GANTrainingBench {
    let trainer: HAGANTrainer
    let batch: HAGANBatch

    init(size: Int, channels: Int, batch n: Int, strategy: GEMMStrategy) throws {
        trainer = try HAGANTrainer(config: benchConfig(size: size, channels: channels, batch: n), random: SeededGenerator(seed: 0))
        trainer.useGEMMStrategy(strategy)
        var s = SeededGenerator(seed: 1)
        let shape = [n, channels, size, size]
        batch = HAGANBatch(humans: randomImages(shape, &s), labels: (0..<n).map { _ in s.int(below: 6) },
                           characters: randomImages(shape, &s), neutralCharacters: randomImages(shape, &s),
                           identities: (0..<n).map { _ in s.int(below: 6) })
    }

    func imagesPerSecond(_ minSeconds: Double) -> Double {
        measureImagesPerSecond(batch: batch.labels.count, minSeconds: minSeconds) { _ = try? trainer.step(batch) }
    }
}

private struct CNNTrainingBench {
    let trainer: CNNTrainer
    let batch: LabeledImages

    init(size: Int, channels: Int, batch n: Int, strategy: GEMMStrategy) throws {
        var c = CNNConfig()
        c.imageSize = size
        c.channels = channels
        trainer = try CNNTrainer(config: c, random: SeededGenerator(seed: 0))
        setGEMMStrategy(strategy, in: [trainer.network.trunk])
        var s = SeededGenerator(seed: 1)
        batch = LabeledImages(images: randomImages([n, channels, size, size], &s), labels: (0..<n).map { _ in s.int(below: 6) })
    }

    func imagesPerSecond(_ minSeconds: Double) -> Double {
        measureImagesPerSecond(batch: batch.labels.count, minSeconds: minSeconds) { _ = try? trainer.step(batch) }
    }
}

private struct GANInferenceBench {
    let trainer: HAGANTrainer
    let humans: Tensor

    init(size: Int, channels: Int, batch n: Int, strategy: GEMMStrategy) throws {
        trainer = try HAGANTrainer(config: benchConfig(size: size, channels: channels, batch: n), random: SeededGenerator(seed: 0))
        trainer.useGEMMStrategy(strategy)
        var s = SeededGenerator(seed: 1)
        humans = randomImages([n, channels, size, size], &s)
    }

    func imagesPerSecond(_ minSeconds: Double) -> Double {
        measureImagesPerSecond(batch: humans.shape[0], minSeconds: minSeconds) { _ = trainer.predict(humans) }
    }
}
