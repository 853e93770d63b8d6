// Batches for training and evaluation: (sample, variant) items in an order shuffled per epoch from
// a seed, decoded, preprocessed, augmented and stacked into NCHW tensors in [-1, 1] with labels.
// The same seed and epoch give the same batches. In `.allVariants` mode an epoch visits every
// variant of every image (the paper's 110x larger training set, section 5.1); in `.oneVariant`
// mode each image appears once per epoch in a variant drawn from the seed.

import NN

public struct BatchItem: Equatable, Hashable, Sendable {
    /// Index into the dataset's samples.
    public var sample: Int
    /// Index into the augmentation's variants; -1 for the test view (the centre crop).
    public var variant: Int

    public init(sample: Int, variant: Int) {
        self.sample = sample
        self.variant = variant
    }
}

public struct Batch: Sendable {
    /// [N, C, cropSize, cropSize], values in [-1, 1].
    public var images: Tensor
    public var labels: [Int]
    public var items: [BatchItem]
}

public struct BatchIterator {
    public enum EpochMode: String, Codable, Sendable {
        case allVariants, oneVariant
    }

    public let dataset: Dataset
    public let indices: [Int]
    public let preprocessor: Preprocessor
    public let augmenter: Augmenter
    public let batchSize: Int
    public let seed: UInt64
    /// Training batches are shuffled and augmented; evaluation batches are in dataset order, centre crop.
    public let training: Bool
    public let mode: EpochMode
    /// Keeps each preprocessed face image after its first decode (memory: imageSize^2 x C floats each).
    public let cachesImages: Bool
    private var cache: [Int: Image] = [:]

    public init(dataset: Dataset, indices: [Int], preprocessor: Preprocessor, augmenter: Augmenter,
                batchSize: Int, seed: UInt64, training: Bool, mode: EpochMode = .allVariants,
                cachesImages: Bool = true) {
        precondition(batchSize > 0, "batchSize must be positive, got \(batchSize)")
        precondition(indices.allSatisfy { $0 >= 0 && $0 < dataset.samples.count },
                     "BatchIterator indices outside 0..<\(dataset.samples.count)")
        precondition(augmenter.cropSize <= preprocessor.imageSize,
                     "crop \(augmenter.cropSize) larger than image size \(preprocessor.imageSize)")
        self.dataset = dataset
        self.indices = indices
        self.preprocessor = preprocessor
        self.augmenter = augmenter
        self.batchSize = batchSize
        self.seed = seed
        self.training = training
        self.mode = mode
        self.cachesImages = cachesImages
    }

    /// Items of one epoch, in order.
    public func items(epoch: Int) -> [BatchItem] {
        guard training else { return indices.map { BatchItem(sample: $0, variant: -1) } }
        let root = SeededGenerator(seed: seed)
        var items: [BatchItem]
        switch mode {
        case .allVariants:
            items = indices.flatMap { i in (0..<augmenter.variantCount).map { BatchItem(sample: i, variant: $0) } }
        case .oneVariant:
            var picks = root.child("augment", epoch)
            items = indices.map { BatchItem(sample: $0, variant: picks.int(below: augmenter.variantCount)) }
        }
        var order = root.child("data-order", epoch)
        order.shuffle(&items)
        return items
    }

    /// The batches of one epoch (the last one may be smaller).
    public func plan(epoch: Int) -> [[BatchItem]] {
        let all = items(epoch: epoch)
        return stride(from: 0, to: all.count, by: batchSize).map { Array(all[$0..<min($0 + batchSize, all.count)]) }
    }

    /// Decodes, preprocesses and augments the items into one batch.
    public mutating func load(_ items: [BatchItem]) throws -> Batch {
        precondition(!items.isEmpty, "BatchIterator.load of no items")
        var images: [Image] = []
        images.reserveCapacity(items.count)
        for item in items {
            let face = try faceImage(item.sample)
            images.append(item.variant < 0 ? augmenter.testImage(face)
                                           : augmenter.apply(augmenter.variant(item.variant), to: face))
        }
        return Batch(images: Image.tensor(images), labels: items.map { dataset.samples[$0.sample].label }, items: items)
    }

    private mutating func faceImage(_ index: Int) throws -> Image {
        if let image = cache[index] { return image }
        let image = try preprocessor.image(for: dataset.samples[index])
        if cachesImages { cache[index] = image }
        return image
    }
}
