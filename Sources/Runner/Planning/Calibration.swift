// A short calibration of one model of a spec on this machine, for `exp plan`: a few training steps
// and one inference batch of the spec's model at its sizes (crop, channels, classes, characters,
// batch, BLAS threads), on random images, the checkpoint it writes and one sample grid. It runs in
// its own process (`exp calibrate`, started by `Calibration.measure`), so that its peak memory is
// that of one model alone and its BLAS threads are its own; as many such processes at once as the
// run will have jobs on this machine's cores, so that the times include what they cost each other.

import FaceData
import Foundation
import Models
import NN
import Spec
import Vocabulary

/// What one model costs here, measured.
public struct Calibration: Codable, Equatable, Sendable {
    /// Seconds of one training step at the spec's batch size (median of the timed steps).
    public var secondsPerStep: Double
    /// Seconds per image of the final model's prediction (batches of 64), the cost of the
    /// evaluation each epoch ends with.
    public var inferenceSecondsPerImage: Double
    /// Bytes of the model's checkpoint after a step (weights, optimiser state, metadata aside).
    public var checkpointBytes: Int
    /// Bytes of one sample grid PNG (HA-GAN; 0 for the CNN), drawn from random images, so an
    /// upper bound of a grid of faces.
    public var sampleGridBytes: Int
    /// The calibrating process's peak resident memory in bytes: the model, its optimiser, one
    /// batch's activations, the runtime and OpenBLAS's buffers (the data set is not in it).
    public var peakMemoryBytes: Int
    /// Seconds of writing the checkpoint (atomically, flushed to disk), which every epoch ends with.
    public var checkpointWriteSeconds: Double
    /// Seconds the calibration took.
    public var seconds: Double

    /// Training steps are timed (after one warm-up step) until `minimumSeconds` have passed and
    /// at least `minimumSteps` were taken (at most `maximumSteps`); the median counts.
    static let minimumSteps = 3, maximumSteps = 20, minimumSeconds = 0.5

    /// Calibrates `model` of `spec` in this process with `threads` BLAS threads.
    public static func run(spec: ExperimentSpec, model: ModelSpec, threads: Int) throws -> Calibration {
        let started = monotonicSeconds()
        BLAS.threadCount = threads
        var stream = SeededGenerator(seed: 1)
        let size = spec.dataset.cropSize, channels = spec.dataset.channels, classes = spec.dataset.classes.names.count
        let n = max(2, model.batchSize)
        let humans = Tensor(uniformImages: [n, channels, size, size], from: &stream)
        let labels = (0..<n).map { _ in stream.int(below: classes) }
        let evaluation = Tensor(uniformImages: [64, channels, size, size], from: &stream)
        let step: () throws -> Void, predict: () -> Void, checkpoint: () -> Checkpoint
        var grid: (() -> Image)?
        switch model.settings {
        case .cnn(let settings):
            var c = CNNConfig(settings: settings)
            c.imageSize = size
            c.channels = channels
            c.expressionCount = classes
            let trainer = try CNNTrainer(config: c, random: SeededGenerator(seed: 0))
            let batch = LabeledImages(images: humans, labels: labels)
            step = { _ = try trainer.step(batch) }
            predict = { _ = trainer.predict(evaluation) }
            checkpoint = { trainer.checkpoint() }
        case .hagan(let settings):
            let characters = spec.character?.characters.count ?? 1
            var c = HAGANConfig(settings: settings)
            c.imageSize = size
            c.humanChannels = channels
            c.characterChannels = 3
            c.expressionCount = classes
            c.characterCount = characters
            let trainer = try HAGANTrainer(config: c, random: SeededGenerator(seed: 0))
            let batch = HAGANBatch(humans: humans, labels: labels, characters: Tensor(uniformImages: [n, 3, size, size], from: &stream),
                                   neutralCharacters: Tensor(uniformImages: [n, 3, size, size], from: &stream),
                                   identities: (0..<n).map { _ in stream.int(below: characters) })
            step = { _ = try trainer.step(batch) }
            predict = { _ = trainer.predict(evaluation) }
            checkpoint = { trainer.checkpoint() }
            let samples = Tensor(shape: [8, channels, size, size], scalars: Array(humans.scalars.prefix(8 * channels * size * size)))
            if n >= 8 {
                grid = {
                    let g = trainer.sampleGrid(samples)
                    return Image(width: g.width, height: g.height, channels: g.channels, pixels: g.pixels)
                }
            }
        }
        try step()
        var times: [Double] = []
        let timing = monotonicSeconds()
        while times.count < minimumSteps || (monotonicSeconds() - timing < minimumSeconds && times.count < maximumSteps) {
            let t0 = monotonicSeconds()
            try step()
            times.append(monotonicSeconds() - t0)
        }
        predict()
        let t0 = monotonicSeconds()
        predict()
        let inference = (monotonicSeconds() - t0) / 64
        let scratch = NSTemporaryDirectory() + "exp-calibration-\(getpid())"
        let written = checkpoint()
        let t1 = monotonicSeconds()
        try written.write(to: scratch + ".ckpt")
        let checkpointWrite = monotonicSeconds() - t1
        unlink(scratch + ".ckpt")
        var gridBytes = 0
        if let grid {
            let path = scratch + ".png"
            try grid().writePNG(to: path)
            gridBytes = ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0
            unlink(path)
        }
        return Calibration(secondsPerStep: Planner.median(times), inferenceSecondsPerImage: inference,
                           checkpointBytes: written.encoded().count, sampleGridBytes: gridBytes,
                           peakMemoryBytes: ProcessMemory.peakBytes(), checkpointWriteSeconds: checkpointWrite,
                           seconds: monotonicSeconds() - started)
    }

    /// Calibrates `model` of `spec` in child processes (`executable calibrate`), with the numerics
    /// of the spec: `copies` of them at once, as many as the run will have jobs sharing this
    /// machine's cores (they slow each other down, sharing caches and memory bandwidth), and
    /// returns the median of their times and the largest of their memories.
    public static func measure(spec: LoadedSpec, model: String, threads: Int, executable: URL, copies: Int = 1) throws -> Calibration {
        let processes = try (0..<max(1, copies)).map { _ in try start(spec: spec, model: model, threads: threads, executable: executable) }
        let results = try processes.map { try finish($0, model: model) }
        var out = results[0]
        out.secondsPerStep = Planner.median(results.map(\.secondsPerStep))
        out.inferenceSecondsPerImage = Planner.median(results.map(\.inferenceSecondsPerImage))
        out.checkpointWriteSeconds = Planner.median(results.map(\.checkpointWriteSeconds))
        out.peakMemoryBytes = results.map(\.peakMemoryBytes).max()!
        out.seconds = results.map(\.seconds).max()!
        return out
    }

    private static func start(spec: LoadedSpec, model: String, threads: Int, executable: URL) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["calibrate", "--model", model, "--threads", String(threads)]
        var environment = ProcessInfo.processInfo.environment
        environment[Numerics.modeVariable] = spec.spec.numerics.mode.rawValue
        environment["OPENBLAS_NUM_THREADS"] = String(threads)
        process.environment = environment
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            throw PlanError.calibrationFailed(model: model, detail: "cannot start \(executable.path): \(error.localizedDescription)")
        }
        input.fileHandleForWriting.write(Data(spec.canonicalJSON.utf8))
        try? input.fileHandleForWriting.close()
        return (process, output, errors)
    }

    private static func finish(_ running: (Process, Pipe, Pipe), model: String) throws -> Calibration {
        let (process, output, errors) = running
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let result = try? JSONDecoder().decode(Calibration.self, from: data) else {
            throw PlanError.calibrationFailed(model: model, detail: "exit status \(process.terminationStatus): \(stderr.suffix(400))")
        }
        return result
    }
}

/// The process's resident memory (Linux /proc/self/status; 0 where unavailable).
public enum ProcessMemory {
    /// (current, peak) resident set size in bytes.
    public static func residentBytes() -> (current: Int, peak: Int) {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func field(_ name: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
        return (field("VmRSS"), field("VmHWM"))
    }

    /// Peak resident set size in bytes.
    public static func peakBytes() -> Int { residentBytes().peak }
}
