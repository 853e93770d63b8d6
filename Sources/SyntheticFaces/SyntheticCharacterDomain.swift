// The synthetic characters as HA-GAN's character domain: four jittered images per expression of
// each chosen character and its neutral face, RGB at the crop size, drawn from the spec's seed.

import FaceData
import Vocabulary

extension CharacterDomain {
    /// The synthetic `characters` (by name) at `size` x `size`, with every label of `classes`.
    public static func synthetic(characters names: [String], classes: ClassSet, size: Int, seed: UInt64) throws -> CharacterDomain {
        let known = SyntheticCharacter.all
        let chosen = try names.map { name -> SyntheticCharacter in
            guard let c = known.first(where: { $0.name == name }) else {
                throw DataError.badOption(key: "character.characters", value: name,
                                          expected: "one of the synthetic characters: \(known.map(\.name).joined(separator: ", "))")
            }
            return c
        }
        let labels = classes.expressions
        guard labels.allSatisfy(Expression.drawable.contains) else {
            throw DataError.badOption(key: "dataset.classes", value: classes.rawValue,
                                      expected: "basic6 or basic7 with synthetic characters (\(Expression.contemptNotDrawable))")
        }
        let domain = SyntheticCharacters(characters: chosen, seed: seed, size: size, channels: 3,
                                         classes: Expression.drawable.filter(labels.contains), imagesPerClass: 4)
        var images = [[[Image]]](repeating: [[Image]](repeating: [], count: labels.count), count: chosen.count)
        for r in domain.records() {
            if let label = labels.firstIndex(of: r.label) { images[r.character][label].append(r.image) }
        }
        return CharacterDomain(names: chosen.map(\.name), channels: 3, images: images,
                               neutral: chosen.indices.map { domain.neutral(character: $0).image })
    }
}
