// How `dataset.alignment` is written in spec files: an object with `eyeDistance`, `eyeLevel` and
// `upsample`, each optional (the type itself is in Vocabulary). Left out of the canonical spec
// when every value is the default.

import Vocabulary

extension AlignmentGeometry: Codable {
    enum CodingKeys: String, CodingKey { case eyeDistance, eyeLevel, upsample }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let standard = AlignmentGeometry.standard
        self.init(eyeDistance: try c.value(.eyeDistance, default: standard.eyeDistance, in: AlignmentGeometry.eyeDistanceRange),
                  eyeLevel: try c.value(.eyeLevel, default: standard.eyeLevel, in: AlignmentGeometry.eyeLevelRange),
                  upsample: try c.value(.upsample, default: standard.upsample, in: AlignmentGeometry.upsampleRange))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(eyeDistance, forKey: .eyeDistance)
        try c.encode(eyeLevel, forKey: .eyeLevel)
        try c.encode(upsample, forKey: .upsample)
    }
}
