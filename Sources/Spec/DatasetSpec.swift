// DatasetSpec: the human-face dataset of an experiment (kind, location, classes, frames, image and
// crop sizes, augmentation, face alignment) with the options that only some kinds have.

import Vocabulary

public struct DatasetSpec: Codable, Equatable, Sendable {
    /// Layout to read; required.
    public var kind: DatasetKind
    /// Folder (or, for `csv`, manifest file) holding the data; required except for `synthetic`.
    public var root: String?
    /// Class set; default `basic6`.
    public var classes: ClassSet
    /// Frames per sequence (`ckplus`, `mmi`, `oulu` only); default `last3`, `middle3` for MMI.
    public var frames: FrameSelection?
    /// Image channels, 1 (grayscale) or 3; default 1.
    public var channels: Int
    /// Side of the square face image before cropping, 32...512; default 80 (our choice: the paper
    /// gives only the 75x75 crops).
    public var imageSize: Int
    /// Side of the crops fed to the networks, 32...imageSize (the networks halve it four times);
    /// default 75 (section 5.1).
    public var cropSize: Int
    /// Training-set augmentation; default `paper110`.
    public var augmentation: Augmentation
    /// Skip files that cannot be decoded (counted and reported) instead of failing; default false.
    public var skipUnreadable: Bool
    /// `folder` only: regular expression whose first capture group is the subject in a file name;
    /// default `^([A-Za-z]*[0-9]+)_` (CK+48's `S010_004_00000017.png` gives `S010`).
    public var subjectPattern: String?
    /// `ckplus` only: folders under `root` holding the frames, the emotion labels and the
    /// landmarks, for copies that renamed them; absent means `cohn-kanade-images`, `Emotion` and
    /// `Landmarks` (and stays out of the canonical spec).
    public var imagesFolder: String?
    public var emotionFolder: String?
    public var landmarksFolder: String?
    /// `mmi` only: the label CSV under `root`; absent means `labels.csv`.
    public var labelsFile: String?
    /// Any kind but `synthetic`: a folder of OpenFace 2.0 FeatureExtraction CSVs
    /// (`<image name>.csv`) whose landmarks align images that have none of their own.
    public var openface: String?
    /// Any kind but `synthetic`: where the landmarks that align each face come from (section 5.1);
    /// nil means the default of the spec's version (`alignMethod`), and stays out of the canonical
    /// spec.
    public var align: Alignment?
    /// Any kind but `synthetic`, not with `align: none`: what to do with an image where no face is
    /// found or that has no landmarks; nil means the default of the spec's version (`noFacePolicy`).
    public var noFace: NoFacePolicy?
    /// Any kind but `synthetic`, not with `align: none`: eye positions and detector upsampling;
    /// nil means `AlignmentGeometry.standard`.
    public var alignment: AlignmentGeometry?
    /// The `specVersion` of the spec this dataset belongs to, which sets the alignment defaults
    /// (not a key of its own).
    public var specVersion = ExperimentSpec.currentVersion

    /// The alignment defaults of a spec version. Version 2 finds faces where a dataset ships no
    /// landmarks (`auto`) and stops on images without one (`error`). Version 1 specs were written
    /// before face detection: they align on the landmarks a dataset ships (or OpenFace CSVs) and
    /// resize the other images whole (`landmarks`, `center`), what they always meant, so their
    /// hashes and their data stay as they were.
    public static func defaultAlign(version: Int) -> Alignment { version >= 2 ? .auto : .landmarks }
    public static func defaultNoFace(version: Int) -> NoFacePolicy { version >= 2 ? .error : .center }

    /// The alignment this dataset uses.
    public var alignMethod: Alignment { align ?? Self.defaultAlign(version: specVersion) }
    /// The no-face policy.
    public var noFacePolicy: NoFacePolicy { noFace ?? Self.defaultNoFace(version: specVersion) }
    /// The eye positions and detector upsampling (`alignment`, the standard ones when absent).
    public var alignmentGeometry: AlignmentGeometry { alignment ?? .standard }

    /// Sets the spec version and stores the alignment choices that equal its defaults as absent, so
    /// the canonical spec (and the hash) is the same whether a default is written or not. Called by
    /// `ExperimentSpec` once it has read `specVersion`.
    mutating func settle(specVersion version: Int) throws {
        specVersion = version
        if align == Self.defaultAlign(version: version) { align = nil }
        if noFace == Self.defaultNoFace(version: version) { noFace = nil }
        if alignMethod == .none, let key = noFace != nil ? "noFace" : alignment != nil ? "alignment" : nil {
            throw SpecError.invalidValue(path: "dataset.\(key)", value: "(set)",
                                         allowed: "absent with align \"none\" (no face is found or aligned)")
        }
    }
    /// `synthetic` only: number of rendered subjects, 2...10000; default 24.
    public var subjects: Int?
    /// `synthetic` only: images per subject and expression, 1...100; default 3.
    public var imagesPerExpression: Int?

    public static let defaultSubjectPattern = "^([A-Za-z]*[0-9]+)_"

    public init(
        kind: DatasetKind, root: String? = nil, classes: ClassSet = .basic6, channels: Int = 1,
        imageSize: Int = PaperProtocol.imageSize, cropSize: Int = PaperProtocol.cropSize, augmentation: Augmentation = .paper110
    ) {
        self.kind = kind
        self.root = root
        self.classes = classes
        self.channels = channels
        self.imageSize = imageSize
        self.cropSize = cropSize
        self.augmentation = augmentation
        self.skipUnreadable = false
        switch kind {
        case .ckplus, .oulu: frames = .last3
        case .mmi: frames = .middle3
        case .folder: subjectPattern = DatasetSpec.defaultSubjectPattern
        case .synthetic: subjects = 24; imagesPerExpression = 3
        case .csv: break
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, root, classes, frames, channels, imageSize, cropSize, augmentation, skipUnreadable
        case subjectPattern, subjects, imagesPerExpression
        case imagesFolder, emotionFolder, landmarksFolder, labelsFile, openface
        case align, noFace, alignment
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(DatasetKind.self, forKey: .kind)
        // Synthetic faces have no root: the key is not asked for, so giving one (also through
        // `--set dataset.root=...`) is an unknown key rather than a silently new experiment.
        if kind != .synthetic {
            root = try c.decodeIfPresent(String.self, forKey: .root)
            guard let root else { throw SpecError.missingKey(path: c.path(.root)) }
            try c.check(root, .root, allowed: "a non-empty path") { !$0.isEmpty }
        }
        classes = try c.value(.classes, default: .basic6)
        channels = try c.value(.channels, default: 1)
        try c.check(channels, .channels, allowed: "1 or 3") { $0 == 1 || $0 == 3 }
        imageSize = try c.value(.imageSize, default: PaperProtocol.imageSize, in: 32...512)
        cropSize = try c.value(.cropSize, default: PaperProtocol.cropSize, in: 32...imageSize)
        augmentation = try c.value(.augmentation, default: .paper110)
        skipUnreadable = try c.value(.skipUnreadable, default: false)
        func relativePath(_ key: CodingKeys) throws -> String? {
            let value = try c.decodeIfPresent(String.self, forKey: key)
            if let value {
                try c.check(value, key, allowed: "a non-empty path relative to dataset.root") { !$0.isEmpty && !$0.hasPrefix("/") }
            }
            return value
        }
        if kind != .synthetic {
            openface = try c.decodeIfPresent(String.self, forKey: .openface)
            if let openface { try c.check(openface, .openface, allowed: "a non-empty folder path") { !$0.isEmpty } }
            // Settled against the spec version's defaults by `settle(specVersion:)`.
            align = try c.decodeIfPresent(Alignment.self, forKey: .align)
            noFace = try c.decodeIfPresent(NoFacePolicy.self, forKey: .noFace)
            let geometry = try c.decodeIfPresent(AlignmentGeometry.self, forKey: .alignment)
            alignment = geometry == .standard ? nil : geometry
        }
        switch kind {
        case .ckplus:
            frames = try c.value(.frames, default: .last3)
            imagesFolder = try relativePath(.imagesFolder)
            emotionFolder = try relativePath(.emotionFolder)
            landmarksFolder = try relativePath(.landmarksFolder)
        case .oulu: frames = try c.value(.frames, default: .last3)
        case .mmi:
            frames = try c.value(.frames, default: .middle3)
            labelsFile = try relativePath(.labelsFile)
        case .folder:
            subjectPattern = try c.value(.subjectPattern, default: DatasetSpec.defaultSubjectPattern)
            try c.check(subjectPattern!, .subjectPattern, allowed: "a regular expression with one capture group") {
                (try? Regex($0)) != nil && $0.contains("(")
            }
        case .synthetic:
            subjects = try c.value(.subjects, default: 24, in: 2...10_000)
            imagesPerExpression = try c.value(.imagesPerExpression, default: 3, in: 1...100)
        case .csv: break
        }
    }
}
