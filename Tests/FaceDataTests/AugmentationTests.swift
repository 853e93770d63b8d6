// The paper's augmentation (section 5.1): 110 distinct variants of an image, right-angle rotations
// and flips checked pixel by pixel on a small asymmetric image, the centre crop for tests, and the
// batch iterator's determinism per seed.

import FaceData
import NN
import TestSupport
import Testing
import Vocabulary

@Test func paperAugmentationGivesOneHundredTenDistinctVariants() {
    let augmentation = Augmenter(.paper110, cropSize: 75)
    #expect(augmentation.variantCount == 110)
    let image = patternImage(width: 80, height: 80, channels: 1, seed: 3)
    let variants = (0..<110).map { augmentation.apply(augmentation.variant($0), to: image) }
    #expect(variants.allSatisfy { $0.width == 75 && $0.height == 75 && $0.channels == 1 })
    #expect(Set(variants.map(\.pixels)).count == 110)
    #expect(Set((0..<110).map(augmentation.variant)).count == 110)
    #expect(variants == (0..<110).map { augmentation.apply(augmentation.variant($0), to: image) })
}

/// Image [[1 2 3] [4 5 6] [7 8 9]] (values / 10), asymmetric under every rotation and flip.
private let grid = Image(width: 3, height: 3, channels: 1, pixels: (1...9).map { Float($0) / 10 })

private func render(_ angle: Int, flipped: Bool) -> [Float] {
    Augmenter(.none, cropSize: 3)
        .apply(AugmentationVariant(crop: .center, rotation: angle, flip: flipped), to: grid).pixels.map { ($0 * 10).rounded() }
}

@Test func rightAngleRotationsAndFlipsArePixelExact() {
    #expect(render(0, flipped: false) == [1, 2, 3, 4, 5, 6, 7, 8, 9])
    // 90 degrees counter-clockwise: the right column becomes the top row.
    #expect(render(90, flipped: false) == [3, 6, 9, 2, 5, 8, 1, 4, 7])
    #expect(render(-90, flipped: false) == [7, 4, 1, 8, 5, 2, 9, 6, 3])
    #expect(render(180, flipped: false) == [9, 8, 7, 6, 5, 4, 3, 2, 1])
    #expect(render(0, flipped: true) == [3, 2, 1, 6, 5, 4, 9, 8, 7])
    // Flip after rotation.
    #expect(render(90, flipped: true) == [9, 6, 3, 8, 5, 2, 7, 4, 1])
}

@Test func thirtyDegreeRotationMovesAnOffCentrePoint() {
    // A bright dot 10 px right of the centre of a 31x31 image moves, at +30 degrees (counter-
    // clockwise as displayed), to (15 + 10 cos 30, 15 - 10 sin 30) = (23.66, 10).
    var image = Image(width: 31, height: 31, channels: 1)
    image[0, 15, 25] = 1
    let rotated = Augmenter(.none, cropSize: 31).apply(AugmentationVariant(crop: .center, rotation: 30), to: image)
    var best = (0, 0, Float(0))
    for y in 0..<31 { for x in 0..<31 where rotated[0, y, x] > best.2 { best = (x, y, rotated[0, y, x]) } }
    #expect(best.0 == 24 && best.1 == 10)
}

@Test func cropsComeFromTheCornersAndTheCentre() {
    var image = Image(width: 5, height: 5, channels: 1)
    for y in 0..<5 { for x in 0..<5 { image[0, y, x] = Float(y * 5 + x) / 24 } }
    let augmentation = Augmenter(.paper110, cropSize: 3)
    func topLeft(_ crop: CropPosition) -> Float {
        augmentation.apply(AugmentationVariant(crop: crop), to: image)[0, 0, 0] * 24
    }
    #expect(topLeft(.topLeft).rounded() == 0)
    #expect(topLeft(.topRight).rounded() == 2)
    #expect(topLeft(.bottomLeft).rounded() == 10)
    #expect(topLeft(.bottomRight).rounded() == 12)
    #expect(topLeft(.center).rounded() == 6)
    #expect(augmentation.testImage(image) == augmentation.apply(AugmentationVariant(crop: .center), to: image))
}

private func memoryDataset(count: Int) -> Dataset {
    let samples = (0..<count).map { i in
        Sample(source: .memory(patternImage(width: 12, height: 12, channels: 1, seed: i)), label: i % 6,
               expression: Expression.basic6[i % 6], subject: "S\(i)")
    }
    return Dataset(description: DatasetDescription(source: .synthetic(SyntheticSource()), root: ""), classes: Expression.basic6, samples: samples)
}

@Test func batchIteratorIsDeterministicPerSeedAndCoversEveryVariant() throws {
    let d = memoryDataset(count: 5)
    func iterator(seed: UInt64, mode: BatchIterator.EpochMode = .allVariants) -> BatchIterator {
        BatchIterator(dataset: d, indices: [0, 2, 4], preprocessor: Preprocessor(channels: 1, imageSize: 12),
                      augmenter: Augmenter(.paper110, cropSize: 10), batchSize: 32, seed: seed, training: true, mode: mode)
    }
    var a = iterator(seed: 1)
    let plan = a.plan(epoch: 0)
    #expect(plan.map(\.count).reduce(0, +) == 330)
    #expect(plan.dropLast().allSatisfy { $0.count == 32 } && plan.last!.count == 330 - 32 * 10)
    #expect(Set(plan.flatMap { $0 }).count == 330)
    #expect(plan == iterator(seed: 1).plan(epoch: 0))
    #expect(plan != iterator(seed: 2).plan(epoch: 0))
    #expect(plan != a.plan(epoch: 1))

    let batch = try a.load(plan[0])
    var b = iterator(seed: 1)
    #expect(batch.images == (try b.load(plan[0])).images)
    #expect(batch.images.shape == [32, 1, 10, 10])
    #expect(batch.images.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
    #expect(batch.labels == plan[0].map { d.samples[$0.sample].label })

    let one = iterator(seed: 4, mode: .oneVariant).items(epoch: 0)
    #expect(one.map(\.sample).sorted() == [0, 2, 4])
    #expect(one == iterator(seed: 4, mode: .oneVariant).items(epoch: 0))
}

@Test func evaluationBatchesUseTheCentreCropInOrder() throws {
    let d = memoryDataset(count: 4)
    var it = BatchIterator(dataset: d, indices: [3, 1], preprocessor: Preprocessor(channels: 3, imageSize: 12),
                           augmenter: Augmenter(.paper110, cropSize: 10), batchSize: 8, seed: 1, training: false)
    let plan = it.plan(epoch: 5)
    #expect(plan.count == 1 && plan[0].map(\.sample) == [3, 1])
    let batch = try it.load(plan[0])
    #expect(batch.images.shape == [2, 3, 10, 10])
    let expected = Augmenter(.paper110, cropSize: 10).testImage(patternImage(width: 12, height: 12, channels: 1, seed: 3).toRGB())
    #expect(Array(batch.images.scalars[0..<300]) == expected.pixels.map { $0 * 2 - 1 })
}

@Test func prefetchingGivesTheSameBatches() throws {
    let d = memoryDataset(count: 7)
    let iterator = BatchIterator(dataset: d, indices: Array(0..<7), preprocessor: Preprocessor(channels: 1, imageSize: 12),
                                 augmenter: Augmenter(.paper110, cropSize: 9), batchSize: 50, seed: 3, training: true)
    func collect(prefetch: Bool) throws -> [Batch] {
        let epoch = EpochBatches(iterator, epoch: 2, prefetch: prefetch)
        var batches: [Batch] = []
        while let batch = try epoch.next() { batches.append(batch) }
        _ = epoch.finish()
        return batches
    }
    let plain = try collect(prefetch: false), ahead = try collect(prefetch: true)
    #expect(plain.count == 16 && ahead.count == 16)
    #expect(zip(plain, ahead).allSatisfy { $0.images == $1.images && $0.labels == $1.labels && $0.items == $1.items })
    #expect(plain.map(\.items).flatMap { $0 } == iterator.items(epoch: 2))
}

@Test func aFailingFileStopsTheEpochWithItsError() throws {
    let folder = try TemporaryFolder()
    let bad = try folder.write("bad.png", bytes: [0x89, 0x50, 0x4E, 0x47])
    let samples = [Sample(source: .file(bad), label: 0, expression: .anger, subject: "S1")]
    let d = Dataset(description: DatasetDescription(source: .synthetic(SyntheticSource()), root: ""), classes: Expression.basic6, samples: samples)
    let iterator = BatchIterator(dataset: d, indices: [0], preprocessor: Preprocessor(imageSize: 12),
                                 augmenter: Augmenter(.paper110, cropSize: 9), batchSize: 4, seed: 1, training: false)
    for prefetch in [false, true] {
        let epoch = EpochBatches(iterator, epoch: 0, prefetch: prefetch)
        #expect(throws: DataError.self) { try epoch.next() }
    }
}
