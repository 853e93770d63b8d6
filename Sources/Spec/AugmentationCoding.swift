// How `dataset.augmentation` is written in spec files: "paper110", "none", or a list of variants
// "<crop>[:rot<degrees>][:flip]" that must be a product of crops x rotations x flips (the type
// itself is in Vocabulary). A custom list is written back as given, so the canonical spec keeps it.

import Vocabulary

extension Augmentation: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let path = formatPath(decoder.codingPath)
        let usage = "\"paper110\", \"none\", or a list of variants \"<crop>[:rot<degrees>][:flip]\" with crop in "
            + CropPosition.allowedValues.joined(separator: "|") + " and degrees in -180...180"
        if let word = try? container.decode(String.self) {
            switch word {
            case "paper110": self = .paper110
            case "none": self = .none
            default: throw SpecError.invalidValue(path: path, value: "\"\(word)\"", allowed: usage)
            }
            return
        }
        let texts: [String]
        do {
            texts = try container.decode([String].self)
        } catch SpecError.wrongType(let errorPath, _, let found) where errorPath == path {
            throw SpecError.wrongType(path: path, expected: "\"paper110\", \"none\" or an array of variant strings", found: found)
        }
        if texts.isEmpty { throw SpecError.invalidValue(path: path, value: "[]", allowed: usage) }
        var variants: [AugmentationVariant] = []
        for (i, text) in texts.enumerated() {
            guard let variant = AugmentationVariant(text: text) else {
                throw SpecError.invalidValue(path: "\(path)[\(i)]", value: "\"\(text)\"", allowed: usage)
            }
            if variants.contains(variant) {
                throw SpecError.invalidValue(path: "\(path)[\(i)]", value: "\"\(text)\"", allowed: "a variant not already listed")
            }
            variants.append(variant)
        }
        self = .custom(variants)
        if let product = notAProduct {
            throw SpecError.invalidValue(path: path, value: texts.joined(separator: ", "), allowed: product)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .paper110: try container.encode("paper110")
        case .none: try container.encode("none")
        case .custom(let list): try container.encode(list.map(\.description))
        }
    }
}
