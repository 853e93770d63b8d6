// Throughput of the data path on the calling thread: decode + preprocess (align or resize) +
// augment, in samples per second. Without the image cache every sample is decoded again (what a
// trainer sees on its first epoch or with caching off); with it, after one warm-up pass over the
// dataset, only augmentation and batching are timed (the steady state of later epochs).

import Foundation

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
        let start = DispatchTime.now().uptimeNanoseconds
        var checksum: Float = 0
        for start in stride(from: 0, to: items.count, by: 64) {
            let batch = try iterator.load(Array(items[start..<min(start + 64, items.count)]))
            checksum += batch.images.scalars[0]
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        precondition(checksum.isFinite, "data benchmark produced non-finite pixels")
        return DataBenchmarkResult(samples: count, seconds: seconds)
    }
}
