// Augmentation: the training-image variants of a dataset spec. `paper110` is section 5.1's set
// (5 crops x (original + 10 rotations) x horizontal flip = 110 variants per image); a custom list
// names variants one by one as `<crop>[:rot<degrees>][:flip]`, e.g. "topLeft:rot-30:flip".

/// Where a crop is taken in the face image.
public enum CropPosition: String, Sendable, CaseIterable {
    case center, topLeft, topRight, bottomLeft, bottomRight
}

/// One training variant: a crop, a rotation in degrees (-180...180) and an optional horizontal flip.
public struct AugmentationVariant: Equatable, Sendable, CustomStringConvertible {
    public var crop: CropPosition
    public var rotation: Int
    public var flip: Bool

    public init(crop: CropPosition, rotation: Int = 0, flip: Bool = false) {
        self.crop = crop
        self.rotation = rotation
        self.flip = flip
    }

    /// The text form used in spec files, e.g. `center`, `topLeft:rot-30:flip`.
    public var description: String {
        var text = crop.rawValue
        if rotation != 0 { text += ":rot\(rotation)" }
        if flip { text += ":flip" }
        return text
    }

    /// Parses the text form; nil when it is not one.
    public init?(text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let crop = CropPosition(rawValue: first) else { return nil }
        self.crop = crop
        rotation = 0
        flip = false
        var rest = parts.dropFirst()
        if let r = rest.first, r.hasPrefix("rot") {
            guard let degrees = Int(r.dropFirst(3)), (-180...180).contains(degrees), degrees != 0 else { return nil }
            rotation = degrees
            rest = rest.dropFirst()
        }
        if let f = rest.first, f == "flip" {
            flip = true
            rest = rest.dropFirst()
        }
        if !rest.isEmpty { return nil }
    }
}

/// The augmentation of training images (human images only; test images use the centre crop).
public enum Augmentation: Equatable, Sendable, Codable {
    /// Section 5.1: 5 crops x (original + rotations of +-30, +-60, +-90, +-120, +-150 degrees) x
    /// (as is, flipped) = 110 variants.
    case paper110
    /// The centre crop only.
    case none
    /// Exactly these variants (at least one, no duplicates).
    case custom([AugmentationVariant])

    /// The paper's rotation angles in degrees.
    public static let paperRotations = [0, 30, -30, 60, -60, 90, -90, 120, -120, 150, -150]

    /// Every variant, in a fixed order (crop, then rotation, then flip).
    public var variants: [AugmentationVariant] {
        switch self {
        case .none: return [AugmentationVariant(crop: .center)]
        case .custom(let list): return list
        case .paper110:
            return CropPosition.allCases.flatMap { crop in
                Augmentation.paperRotations.flatMap { angle in
                    [false, true].map { AugmentationVariant(crop: crop, rotation: angle, flip: $0) }
                }
            }
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let path = formatPath(decoder.codingPath)
        let usage = "\"paper110\", \"none\", or a list of variants \"<crop>[:rot<degrees>][:flip]\" with crop in "
            + CropPosition.allCases.map(\.rawValue).joined(separator: "|") + " and degrees in -180...180"
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
