// DatasetSpec: the human-face dataset of an experiment (kind, location, classes, frames, image and
// crop sizes, augmentation) with the options that only some kinds have.

/// Dataset layouts the loaders read (FaceData's loader kinds, plus the synthetic generator).
public enum DatasetKind: String, SpecChoice {
    /// CK+: `cohn-kanade-images/Sxxx/yyy/*.png` with `Emotion/` labels; the last frames of each sequence.
    case ckplus
    /// MMI: per-sequence frame folders and a label file; the middle frames of each sequence.
    case mmi
    /// Oulu-CASIA VIS, strong illumination: `Pxxx/<Expression>/*.jpeg`; the last frames.
    case oulu
    /// JAFFE: still images, the subject and expression in each file name.
    case jaffe
    /// One folder per class, the subject read from each file name by `subjectPattern` (e.g. CK+48).
    case folder
    /// A CSV manifest with columns path,label,subject (`root` is the file, or a folder holding it).
    case manifest
    /// Procedurally rendered faces (no files; `root` not used).
    case synthetic
    public init(from decoder: Decoder) throws { self = try Self.decodeChoice(from: decoder) }

    /// Whether samples come from labelled sequences, of which `frames` are taken.
    public var hasSequences: Bool { self == .ckplus || self == .mmi || self == .oulu || self == .synthetic }
}

/// Expression classes, in label order (FaceData's `ClassSet`).
public enum ClassSet: String, SpecChoice {
    /// anger, disgust, fear, happiness, sadness, surprise: the paper's six classes.
    case basic6
    /// basic6, then neutral.
    case basic7
    /// basic6, then contempt (CK+'s seven labelled emotions).
    case basic6Contempt = "basic6+contempt"
    public init(from decoder: Decoder) throws { self = try Self.decodeChoice(from: decoder) }

    /// Class names in label order.
    public var names: [String] {
        let six = ["anger", "disgust", "fear", "happiness", "sadness", "surprise"]
        switch self {
        case .basic6: return six
        case .basic7: return six + ["neutral"]
        case .basic6Contempt: return six + ["contempt"]
        }
    }
}

public struct DatasetSpec: Codable, Equatable, Sendable {
    /// Layout to read; required.
    public var kind: DatasetKind
    /// Folder (or, for `manifest`, the CSV file or its folder); required except for `synthetic`.
    public var root: String?
    /// Class set; default `basic6`.
    public var classes: ClassSet
    /// Frames taken from each labelled sequence, 1...1000 (`ckplus`, `mmi`, `oulu`, `synthetic`
    /// only); default 3. Which frames is the dataset's convention (section 5): the last ones for
    /// CK+, Oulu-CASIA and synthetic sequences, the middle ones for MMI.
    public var frames: Int?
    /// Image channels, 1 (grayscale) or 3; default 1.
    public var channels: Int
    /// Side of the square face image before cropping, 8...512; default 80.
    public var imageSize: Int
    /// Side of the crops fed to the networks, 8...imageSize; default 75 (section 5.1).
    public var cropSize: Int
    /// Training-set augmentation; default `paper110`.
    public var augmentation: Augmentation
    /// Skip files that cannot be decoded (counted and reported) instead of failing; default false.
    public var skipUnreadable: Bool
    /// `folder` only: regular expression whose first capture group is the subject in a file name;
    /// default `^([A-Za-z]*[0-9]+)_` (CK+48's `S010_004_00000017.png` gives `S010`).
    public var subjectPattern: String?
    /// `synthetic` only: number of rendered subjects, 2...10000; default 24.
    public var subjects: Int?
    /// `synthetic` only: sequences per subject and class, 1...100; default 1.
    public var sequencesPerClass: Int?
    /// Further loader options passed as they are (string values), e.g. `landmarks`, `images`,
    /// `emotion` for CK+, `labels` for MMI, `file` for a manifest folder, `openface` for any kind;
    /// the loader checks them. Default empty; not for `synthetic`.
    public var options: [String: String]

    public static let defaultSubjectPattern = "^([A-Za-z]*[0-9]+)_"
    /// Option keys that have a typed field of their own.
    static let typedOptionKeys = ["frames": "frames", "subject": "subjectPattern", "characters": "character.characters"]

    public init(
        kind: DatasetKind, root: String? = nil, classes: ClassSet = .basic6, channels: Int = 1,
        imageSize: Int = 80, cropSize: Int = 75, augmentation: Augmentation = .paper110
    ) {
        self.kind = kind
        self.root = root
        self.classes = classes
        self.channels = channels
        self.imageSize = imageSize
        self.cropSize = cropSize
        self.augmentation = augmentation
        self.skipUnreadable = false
        self.options = [:]
        if kind.hasSequences { frames = 3 }
        if kind == .folder { subjectPattern = DatasetSpec.defaultSubjectPattern }
        if kind == .synthetic {
            subjects = 24
            sequencesPerClass = 1
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, root, classes, frames, channels, imageSize, cropSize, augmentation, skipUnreadable
        case subjectPattern, subjects, sequencesPerClass, options
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(DatasetKind.self, forKey: .kind)
        if kind != .synthetic {
            let root = try c.decode(String.self, forKey: .root)
            try c.check(root, .root, allowed: "a non-empty path") { !$0.isEmpty }
            self.root = root
        }
        classes = try c.value(.classes, default: .basic6)
        channels = try c.value(.channels, default: 1)
        try c.check(channels, .channels, allowed: "1 or 3") { $0 == 1 || $0 == 3 }
        imageSize = try c.value(.imageSize, default: 80, in: 8...512)
        cropSize = try c.value(.cropSize, default: 75, in: 8...imageSize)
        augmentation = try c.value(.augmentation, default: .paper110)
        skipUnreadable = try c.value(.skipUnreadable, default: false)
        if kind.hasSequences { frames = try c.value(.frames, default: 3, in: 1...1000) }
        if kind == .folder {
            let pattern = try c.value(.subjectPattern, default: DatasetSpec.defaultSubjectPattern)
            try c.check(pattern, .subjectPattern, allowed: "a regular expression with a capture group") {
                (try? Regex($0)) != nil && $0.contains("(")
            }
            subjectPattern = pattern
        }
        if kind == .synthetic {
            subjects = try c.value(.subjects, default: 24, in: 2...10_000)
            sequencesPerClass = try c.value(.sequencesPerClass, default: 1, in: 1...100)
            options = [:]
        } else {
            options = try c.value(.options, default: [:])
            for key in options.keys.sorted() {
                if let field = DatasetSpec.typedOptionKeys[key] {
                    throw SpecError.invalidValue(
                        path: c.path(.options) + "." + key, value: "\"\(options[key]!)\"",
                        allowed: "none here: use the spec field \(field) instead")
                }
            }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(root, forKey: .root)
        try c.encode(classes, forKey: .classes)
        try c.encodeIfPresent(frames, forKey: .frames)
        try c.encode(channels, forKey: .channels)
        try c.encode(imageSize, forKey: .imageSize)
        try c.encode(cropSize, forKey: .cropSize)
        try c.encode(augmentation, forKey: .augmentation)
        try c.encode(skipUnreadable, forKey: .skipUnreadable)
        try c.encodeIfPresent(subjectPattern, forKey: .subjectPattern)
        try c.encodeIfPresent(subjects, forKey: .subjects)
        try c.encodeIfPresent(sequencesPerClass, forKey: .sequencesPerClass)
        if kind != .synthetic { try c.encode(options, forKey: .options) }
    }
}
