// Throughput of the data path on the calling thread: decode + preprocess (align or resize) +
// augment, in samples per second. Without the image cache every sample is decoded again (what a
// trainer sees on its first epoch or with caching off); with it, after one warm-up pass over the
// dataset, only augmentation and batching are timed (the steady state of later epochs). And the
// drawing speed of the synthetic face generator (`exp synth --bench`).

import FaceData
import SyntheticFaces

public struct DataBenchmarkResult: Sendable {
    public var samples: Int
    public var seconds: Double
    public var samplesPerSecond: Double { Double(samples) / seconds }
}

public enum DataBenchmark {
    /// Runs `count` samples (cycling through the dataset) through the training path.
    public static func run(dataset: Dataset, preprocessor: Preprocessor, augmenter: Augmenter,
                           count: Int, seed: UInt64, cached: Bool = false) throws -> DataBenchmarkResult {
        var iterator = BatchIterator(dataset: dataset, indices: Array(dataset.samples.indices), preprocessor: preprocessor,
                                     augmenter: augmenter, batchSize: 1, seed: seed, training: true,
                                     mode: .oneVariant, cachesImages: cached)
        if cached {
            for start in stride(from: 0, to: dataset.samples.count, by: 64) {
                _ = try iterator.load((start..<min(start + 64, dataset.samples.count)).map { BatchItem(sample: $0, variant: 0) })
            }
        }
        var items: [BatchItem] = []
        var epoch = 0
        while items.count < count {
            items += iterator.items(epoch: epoch)
            epoch += 1
        }
        items = Array(items.prefix(count))
        var checksum: Float = 0
        let seconds = try Measure.time {
            for start in stride(from: 0, to: items.count, by: 64) {
                let batch = try iterator.load(Array(items[start..<min(start + 64, items.count)]))
                checksum += batch.images.scalars[0]
            }
        }.wall
        precondition(checksum.isFinite, "data benchmark produced non-finite pixels")
        return DataBenchmarkResult(samples: count, seconds: seconds)
    }

    /// Draws `count` gray faces of `size` (20 synthetic subjects, cycling); wall and CPU seconds,
    /// and a checksum of the first pixels that keeps the drawing from being optimised away.
    public static func syntheticFaces(count: Int, size: Int, seed: UInt64) -> (wall: Double, cpu: Double, checksum: Float) {
        let humans = SyntheticHumans(subjects: 20, seed: seed, size: size, channels: 1, sequencesPerClass: max(1, count / 140 + 1))
        var checksum: Float = 0
        let time = Measure.time {
            for k in 0..<count {
                let r = humans.record(subject: k % 20, sequence: (k / 20) % humans.sequencesPerSubject, frame: 0)
                checksum += r.image.pixels[0]
            }
        }
        return (time.wall, time.cpu, checksum)
    }
}
