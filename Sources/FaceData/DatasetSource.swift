// What a loader reads beyond the root and the class set: one typed value per dataset kind, each
// with its own fields and defaults. The spec's dataset section becomes one (Runner's `JobData`);
// the command line's `--option key=value` strings become one through `init(kind:options:)`, the
// only place where such strings are read.

import Vocabulary

public enum DatasetSource: Equatable, Sendable {
    /// CK+: `<images>/Sxxx/yyy/*.png`, `<emotion>/Sxxx/yyy/*_emotion.txt`, `<landmarks>/...`.
    case ckplus(frames: FrameSelection, images: String, emotion: String, landmarks: String)
    /// Oulu-CASIA: `[OriginalImg/][VL/][Strong/]Pxxx/<Expression>/*.jpeg`.
    case oulu(frames: FrameSelection)
    /// MMI: `<sequence>/` frame folders and a label CSV.
    case mmi(frames: FrameSelection, labels: String)
    /// JAFFE: `KA.AN1.39.tiff`.
    case jaffe
    /// FERG-DB: `<char>/<char>_<expr>/*.png`; nil characters: every character folder.
    case ferg(characters: [String]?)
    /// `<class>/<file>`, the subject (and optionally sequence and frame) read from the file name.
    case folder(subjectPattern: String)
    /// A CSV manifest `path,label,subject[,sequence,frame]`: the root, or `file` in a root folder.
    case manifest(file: String)
    /// The generated faces of the SyntheticFaces target.
    case synthetic(SyntheticSource)

    /// The kind's name, the key of its loader in `DatasetLoaders`.
    public var kind: String {
        switch self {
        case .ckplus: return "ckplus"
        case .oulu: return "oulu"
        case .mmi: return "mmi"
        case .jaffe: return "jaffe"
        case .ferg: return "ferg"
        case .folder: return "folder"
        case .manifest: return "csv"
        case .synthetic: return "synthetic"
        }
    }

    /// The kind's source with its defaults.
    public static func defaults(kind: String) -> DatasetSource? {
        switch kind {
        case "ckplus": return .ckplus(frames: .last3, images: "cohn-kanade-images", emotion: "Emotion", landmarks: "Landmarks")
        case "oulu": return .oulu(frames: .last3)
        case "mmi": return .mmi(frames: .middle3, labels: "labels.csv")
        case "jaffe": return .jaffe
        case "ferg": return .ferg(characters: nil)
        case "folder": return .folder(subjectPattern: FolderLoader.defaultPattern)
        case "csv": return .manifest(file: "manifest.csv")
        case "synthetic": return .synthetic(SyntheticSource())
        default: return nil
        }
    }

    /// The keys `init(kind:options:)` reads for each kind, with their meaning.
    public static func optionKeys(kind: String) -> [String: String] {
        switch kind {
        case "ckplus":
            return ["frames": "which frames of each sequence: " + FrameSelection.allowedValues.joined(separator: ", ") + " (default last3)",
                    "images": "folder of the frames (default cohn-kanade-images)", "emotion": "folder of the labels (default Emotion)",
                    "landmarks": "folder of the landmarks (default Landmarks)"]
        case "oulu": return ["frames": "which frames of each sequence (default last3)"]
        case "mmi": return ["frames": "which frames of each sequence (default middle3)", "labels": "the label CSV under the root (default labels.csv)"]
        case "ferg": return ["characters": "comma-separated character names (default: every character folder)"]
        case "folder":
            return ["subject": "regular expression on the file name with a group (?<subject>...) or one unnamed group; "
                + "optional groups (?<sequence>...) and (?<frame>...) (default \(FolderLoader.defaultPattern))"]
        case "csv": return ["file": "the CSV's name inside a root folder (default manifest.csv)"]
        case "synthetic":
            return ["subjects": "number of generated subjects, 2...10000 (default 24)",
                    "imagesPerExpression": "labelled frames taken from the end of each sequence, 1...100 (default 3)",
                    "size": "side of the square images in pixels, 16...512 (default 64)", "channels": "1 (gray, default) or 3 (RGB)",
                    "seed": "generator seed (default 1)"]
        default: return [:]
        }
    }

    /// The source of `kind` with `options` (the command line's `--option key=value`) over its
    /// defaults; an unknown kind, an unknown key or a bad value is an error naming it.
    public init(kind: String, options: [String: String]) throws {
        guard let source = DatasetSource.defaults(kind: kind) else {
            throw DataError.unknownKind(kind: kind, known: DatasetLoaders.builtIn.kinds + ["synthetic"])
        }
        let keys = DatasetSource.optionKeys(kind: kind)
        for key in options.keys.sorted() where keys[key] == nil {
            throw DataError.badOption(key: key, value: options[key]!,
                                      expected: "one of the \(kind) options: " + (keys.keys.sorted() + ["openface"]).joined(separator: ", "))
        }
        func frames(_ fallback: FrameSelection) throws -> FrameSelection {
            guard let text = options["frames"] else { return fallback }
            guard let value = FrameSelection(rawValue: text) else {
                throw DataError.badOption(key: "frames", value: text, expected: "one of " + FrameSelection.allowedValues.joined(separator: ", "))
            }
            return value
        }
        func integer(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = options[key] else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                throw DataError.badOption(key: key, value: text, expected: "an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
        switch source {
        case .ckplus(let f, let images, let emotion, let landmarks):
            self = .ckplus(frames: try frames(f), images: options["images"] ?? images, emotion: options["emotion"] ?? emotion,
                           landmarks: options["landmarks"] ?? landmarks)
        case .oulu(let f): self = .oulu(frames: try frames(f))
        case .mmi(let f, let labels): self = .mmi(frames: try frames(f), labels: options["labels"] ?? labels)
        case .jaffe: self = .jaffe
        case .ferg:
            self = .ferg(characters: options["characters"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } })
        case .folder(let pattern): self = .folder(subjectPattern: options["subject"] ?? pattern)
        case .manifest(let file): self = .manifest(file: options["file"] ?? file)
        case .synthetic(let d):
            let channels = try integer("channels", d.channels, 1...3)
            guard channels != 2 else { throw DataError.badOption(key: "channels", value: "2", expected: "1 or 3") }
            self = .synthetic(SyntheticSource(
                subjects: try integer("subjects", d.subjects, 2...10_000), imagesPerExpression: try integer("imagesPerExpression", d.imagesPerExpression, 1...100),
                size: try integer("size", d.size, 16...512), channels: channels, seed: UInt64(try integer("seed", Int(d.seed), 0...Int.max))))
        }
    }
}

/// The synthetic faces' settings (SyntheticFaces draws them).
public struct SyntheticSource: Equatable, Sendable {
    /// Generated subjects, 2...10000.
    public var subjects: Int
    /// Labelled frames from the end of each sequence, 1...100.
    public var imagesPerExpression: Int
    /// Side of the square images in pixels, 16...512.
    public var size: Int
    /// 1 (gray) or 3 (RGB).
    public var channels: Int
    /// The generator's seed.
    public var seed: UInt64

    public init(subjects: Int = 24, imagesPerExpression: Int = 3, size: Int = 64, channels: Int = 1, seed: UInt64 = 1) {
        self.subjects = subjects
        self.imagesPerExpression = imagesPerExpression
        self.size = size
        self.channels = channels
        self.seed = seed
    }
}
