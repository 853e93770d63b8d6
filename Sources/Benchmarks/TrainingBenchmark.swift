// `exp bench train`: images per second of the HA-GAN training iteration, the CNN baseline step and
// HA-GAN inference (G then D^e) on synthetic tensors, for each BLAS thread count; optionally beside
// the PyTorch reference (shared/bench/hagan_torch.py), run in a child process with the same
// settings, interleaved with ours.

import Foundation
import Models
import NN

/// One timed setting: a training step or an inference call on a fixed batch of random images.
public struct TrainingBenchmark {
    public enum Mode: String, CaseIterable, Sendable { case gan, cnn, infer }

    public let name: String
    /// The reference script's `--mode` doing the same work.
    public let referenceMode: String
    public let size: Int, channels: Int, batch: Int
    /// One step or call.
    let step: () -> Void

    /// Median images per second over at least 5 timed steps and `minSeconds`, after 2 warm-up steps.
    public func imagesPerSecond(minSeconds: Double) -> Double {
        Double(batch) / Measure.median(warmUp: 2, minRepeats: 5, maxRepeats: 2000, minSeconds: minSeconds, step)
    }

    /// Where one step's time goes: seconds per step in each of the engine's kernel kinds
    /// (`StepProfile`) over at least 5 steps and `minSeconds`, after 2 warm-up steps, with the
    /// rest of the wall time as `other` (meaningful at one BLAS thread, where thread time is wall time).
    public func breakdown(minSeconds: Double) -> (parts: [(name: String, seconds: Double)], step: Double) {
        step()
        step()
        StepProfile.start()
        var steps = 0
        let start = Measure.now()
        while steps < 5 || Measure.now() - start < minSeconds {
            step()
            steps += 1
        }
        let wall = (Measure.now() - start) / Double(steps)
        let times = StepProfile.stop()
        var parts = StepProfile.Part.allCases.map { (name: $0.name, seconds: times[$0]! / Double(steps)) }
        parts.append((name: "other", seconds: max(0, wall - parts.reduce(0) { $0 + $1.seconds })))
        return (parts, wall)
    }

    /// The settings of `modes` (inference at batch 1 and `batch`), every conv layer on `strategy`.
    public static func settings(
        _ modes: [Mode], size: Int, channels: Int, batch: Int, strategy: GEMMStrategy
    ) throws -> [TrainingBenchmark] {
        try modes.flatMap { mode -> [TrainingBenchmark] in
            switch mode {
            case .gan: return [try ganTraining(size: size, channels: channels, batch: batch, strategy: strategy)]
            case .cnn: return [try cnnTraining(size: size, channels: channels, batch: batch, strategy: strategy)]
            case .infer: return try [1, batch].map { try ganInference(size: size, channels: channels, batch: $0, strategy: strategy) }
            }
        }
    }

    static func ganTraining(size: Int, channels: Int, batch n: Int, strategy: GEMMStrategy) throws -> TrainingBenchmark {
        let trainer = try haganTrainer(size: size, channels: channels, batch: n, strategy: strategy)
        var s = SeededGenerator(seed: 1)
        let shape = [n, channels, size, size]
        let batch = HAGANBatch(humans: Tensor(uniformImages: shape, from: &s), labels: (0..<n).map { _ in s.int(below: 6) },
                               characters: Tensor(uniformImages: shape, from: &s), neutralCharacters: Tensor(uniformImages: shape, from: &s),
                               identities: (0..<n).map { _ in s.int(below: 6) })
        return TrainingBenchmark(name: "GAN training iteration, batch \(n)", referenceMode: "gan_train",
                                 size: size, channels: channels, batch: n) { _ = try? trainer.step(batch) }
    }

    static func cnnTraining(size: Int, channels: Int, batch n: Int, strategy: GEMMStrategy) throws -> TrainingBenchmark {
        var c = CNNConfig()
        c.imageSize = size
        c.channels = channels
        let trainer = try CNNTrainer(config: c, random: SeededGenerator(seed: 0))
        setGEMMStrategy(strategy, in: [trainer.network.trunk])
        var s = SeededGenerator(seed: 1)
        let batch = LabeledImages(images: Tensor(uniformImages: [n, channels, size, size], from: &s), labels: (0..<n).map { _ in s.int(below: 6) })
        return TrainingBenchmark(name: "CNN training step, batch \(n)", referenceMode: "cnn_train",
                                 size: size, channels: channels, batch: n) { _ = try? trainer.step(batch) }
    }

    static func ganInference(size: Int, channels: Int, batch n: Int, strategy: GEMMStrategy) throws -> TrainingBenchmark {
        let trainer = try haganTrainer(size: size, channels: channels, batch: n, strategy: strategy)
        var s = SeededGenerator(seed: 1)
        let humans = Tensor(uniformImages: [n, channels, size, size], from: &s)
        return TrainingBenchmark(name: "GAN inference (G, D^e), batch \(n)", referenceMode: "gan_infer",
                                 size: size, channels: channels, batch: n) { _ = trainer.predict(humans) }
    }

    private static func haganTrainer(size: Int, channels: Int, batch: Int, strategy: GEMMStrategy) throws -> HAGANTrainer {
        var c = HAGANConfig()
        c.imageSize = size
        c.humanChannels = channels
        c.characterChannels = channels
        c.batchSize = max(2, batch)
        let trainer = try HAGANTrainer(config: c, random: SeededGenerator(seed: 0))
        setGEMMStrategy(strategy, in: [trainer.generator.encoder, trainer.generator.decoder, trainer.discriminator.trunk])
        return trainer
    }

    /// Medians over `repeats` measurements of each setting on each thread count, ours and the
    /// reference's interleaved; `row` is called as each setting and thread count finishes.
    public static func compare(
        _ settings: [TrainingBenchmark], threads: [Int], repeats: Int, minSeconds: Double, reference: PyTorchReference?,
        _ row: (_ setting: TrainingBenchmark, _ threads: Int, _ ours: Double, _ reference: Double?) -> Void
    ) throws {
        for setting in settings {
            for t in threads {
                var ours: [Double] = [], theirs: [Double] = []
                for _ in 0..<repeats {
                    BLAS.threadCount = t
                    ours.append(setting.imagesPerSecond(minSeconds: minSeconds))
                    if let reference { theirs.append(try reference.imagesPerSecond(setting, threads: t, minSeconds: minSeconds)) }
                }
                row(setting, t, Measure.median(of: ours), theirs.isEmpty ? nil : Measure.median(of: theirs))
            }
        }
    }
}

/// The PyTorch reference (`hagan_torch.py`), one measurement per child process.
public struct PyTorchReference: Sendable {
    public var python: String, script: String

    public init(python: String, script: String) {
        self.python = python
        self.script = script
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The reference's images per second on `setting`'s work with `threads` (OMP and MKL threads).
    public func imagesPerSecond(_ setting: TrainingBenchmark, threads: Int, minSeconds: Double) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--mode", setting.referenceMode, "--threads", "\(threads)", "--ch", "\(setting.channels)",
                             "--size", "\(setting.size)", "--batch", "\(setting.batch)", "--min-time", "\(minSeconds)"]
        var env = ProcessInfo.processInfo.environment
        env["OMP_NUM_THREADS"] = "\(threads)"
        env["MKL_NUM_THREADS"] = "\(threads)"
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw Failure(description: "cannot run the reference with \(python): \(error.localizedDescription)")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lastLine = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        guard process.terminationStatus == 0,
              let json = try? JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any],
              let rate = json["img_per_s"] as? Double
        else {
            throw Failure(description: "the reference (\(python) \(script) --mode \(setting.referenceMode)) failed: \(errors.suffix(600))")
        }
        return rate
    }
}
