// The character domain of HA-GAN (section 3; FERG-DB in section 5.2): per character, its neutral
// image (the L1 target I_AN of eq. 4) and its real images per expression label (the real pairs of
// eq. 5), as crop-sized images, and the draw of a batch's character half. FERG-DB is read here;
// the synthetic characters come from SyntheticFaces (`CharacterDomain.synthetic`).

import NN
import Vocabulary

public struct CharacterDomain: Sendable {
    public var names: [String]
    public var channels: Int
    /// [character][label] -> images showing that expression.
    public var images: [[[Image]]]
    /// [character] -> the neutral image.
    public var neutral: [Image]

    public init(names: [String], channels: Int, images: [[[Image]]], neutral: [Image]) {
        self.names = names
        self.channels = channels
        self.images = images
        self.neutral = neutral
    }

    /// FERG-DB's `characters` under `root`, RGB at `size` x `size`, with every label of `classes`.
    public static func ferg(root: String, characters: [String], classes: ClassSet, size: Int,
                            loaders: DatasetLoaders = .builtIn) throws -> CharacterDomain {
        let description = DatasetDescription(source: .ferg(characters: characters), root: root, classes: .basic7)
        let dataset = try loaders.load(description, checkImages: false)
        let prep = Preprocessor(channels: 3, imageSize: size)
        let labels = classes.expressions
        var images = [[[Image]]](repeating: [[Image]](repeating: [], count: labels.count), count: characters.count)
        var neutral = [Image?](repeating: nil, count: characters.count)
        for sample in dataset.samples {
            guard let c = characters.firstIndex(of: sample.subject) else { continue }
            // Neutral images are the L1 target (the first one) and, with basic7, also a class.
            if sample.expression == .neutral, neutral[c] == nil { neutral[c] = try prep.image(for: sample) }
            if let label = labels.firstIndex(of: sample.expression) { images[c][label].append(try prep.image(for: sample)) }
        }
        var neutrals: [Image] = []
        for (c, name) in characters.enumerated() {
            guard let n = neutral[c] else { throw DataError.noImages(root: root, expected: "a neutral image of FERG-DB character \(name)") }
            if let missing = images[c].firstIndex(where: { $0.isEmpty }) {
                throw DataError.noImages(root: root, expected: "\(name) images of \(labels[missing].rawValue)")
            }
            neutrals.append(n)
        }
        return CharacterDomain(names: characters, channels: 3, images: images, neutral: neutrals)
    }

    /// The character half of a HA-GAN batch: for each human label, a character drawn from
    /// `stream`, one of its real images with that expression, and its neutral image.
    public func pairs(for labels: [Int], stream: inout SeededGenerator) -> (characters: Tensor, neutral: Tensor, identities: [Int]) {
        var real: [Image] = [], neutrals: [Image] = [], ids: [Int] = []
        for label in labels {
            let c = names.count == 1 ? 0 : stream.int(below: names.count)
            let pool = images[c][label]
            real.append(pool[stream.int(below: pool.count)])
            neutrals.append(neutral[c])
            ids.append(c)
        }
        return (Image.tensor(real), Image.tensor(neutrals), ids)
    }
}
