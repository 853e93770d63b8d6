// Augmentation: the training-image variants of a dataset (spec key `dataset.augmentation`).
// `paper110` is section 5.1's set: 5 crops x (original + 10 rotations) x horizontal flip = 110
// variants per image. A custom list names variants one by one as `<crop>[:rot<degrees>][:flip]`,
// e.g. "topLeft:rot-30:flip"; it must be a product of crops x rotations x flips, the set the
// renderer (FaceData's `Augmenter`) draws from.

/// Where a crop is taken in the face image.
public enum CropPosition: String, SpecChoice {
    case topLeft, topRight, bottomLeft, bottomRight, center
}

/// One training variant: a crop, a rotation in degrees (-180...180, counter-clockwise as displayed)
/// and an optional horizontal flip (applied after the rotation).
public struct AugmentationVariant: Hashable, Sendable, CustomStringConvertible {
    public var crop: CropPosition
    public var rotation: Int
    public var flip: Bool

    public init(crop: CropPosition, rotation: Int = 0, flip: Bool = false) {
        self.crop = crop
        self.rotation = rotation
        self.flip = flip
    }

    /// The test view: the unrotated, unflipped centre crop.
    public static let test = AugmentationVariant(crop: .center)

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
public enum Augmentation: Equatable, Sendable {
    /// Section 5.1: 5 crops x (original + rotations of +-30, +-60, +-90, +-120, +-150 degrees) x
    /// (as is, flipped) = 110 variants.
    case paper110
    /// The centre crop only.
    case none
    /// Exactly these variants (at least one, no duplicates, a product of crops x rotations x flips).
    case custom([AugmentationVariant])

    /// The paper's rotation angles in degrees.
    public static let paperRotations = [0, -150, -120, -90, -60, -30, 30, 60, 90, 120, 150]

    /// The crops drawn, in `CropPosition` order.
    public var crops: [CropPosition] {
        switch self {
        case .paper110: return CropPosition.allCases
        case .none: return [.center]
        case .custom(let list): return CropPosition.allCases.filter { c in list.contains { $0.crop == c } }
        }
    }

    /// The rotations drawn: 0 first when present, then ascending.
    public var rotations: [Int] {
        switch self {
        case .paper110: return Augmentation.paperRotations
        case .none: return [0]
        case .custom(let list):
            let distinct = Set(list.map(\.rotation))
            return (distinct.contains(0) ? [0] : []) + distinct.filter { $0 != 0 }.sorted()
        }
    }

    /// Whether every crop and rotation is also drawn flipped.
    public var flip: Bool {
        switch self {
        case .paper110: return true
        case .none: return false
        case .custom(let list): return list.contains { $0.flip }
        }
    }

    public var variantCount: Int { crops.count * rotations.count * (flip ? 2 : 1) }

    /// Variant `index` in 0..<variantCount: crop-major, then rotation, then flip.
    public func variant(_ index: Int) -> AugmentationVariant {
        precondition(index >= 0 && index < variantCount, "variant \(index) outside 0..<\(variantCount)")
        let flips = flip ? 2 : 1
        let r = rotations
        return AugmentationVariant(crop: crops[index / (r.count * flips)], rotation: r[(index / flips) % r.count],
                                   flip: flips == 2 && index % 2 == 1)
    }

    /// Every variant, in the order `variant(_:)` numbers them.
    public var variants: [AugmentationVariant] { (0..<variantCount).map(variant) }

    /// Nil when a custom list is exactly the product of the crops, rotations and flips it names (as
    /// `paper110` and ["center", "center:flip"] are); else what the product would hold.
    public var notAProduct: String? {
        guard case .custom(let list) = self else { return nil }
        guard variantCount != list.count else { return nil }
        return "every combination of the crops, rotations and flips it names (\(variantCount) variants here, "
            + "with and without flip when any is flipped); list them all, or use \"paper110\" or \"none\""
    }
}
