// DataError: the thrown errors of FaceData. Each case names the file, folder, key or value at fault
// and its description says what was expected, so the CLI can print it as is.

public enum DataError: Error, Equatable, CustomStringConvertible {
    /// An image file that could not be decoded (damaged, truncated, empty, not an image).
    case cannotDecode(path: String, reason: String)
    /// An image that could not be written.
    case cannotEncode(path: String, reason: String)
    /// A dataset root or a required folder or file that does not exist.
    case missingPath(path: String, expected: String)
    /// A dataset root that holds no usable image.
    case noImages(root: String, expected: String)
    /// A label, landmark or manifest file that does not parse.
    case badFile(path: String, line: Int, reason: String)
    /// A dataset kind that no loader handles.
    case unknownKind(kind: String, known: [String])
    /// A dataset option with a wrong value, or one the loader does not know.
    case badOption(key: String, value: String, expected: String)
    /// Strict mode: image files that could not be read, all listed.
    case unreadableFiles([SkippedFile])
    /// Folds asked for more subjects than the dataset has.
    case tooFewSubjects(subjects: Int, folds: Int)
    /// dlib's 68-point shape model is missing or unreadable; `package` provides it.
    case faceModel(path: String, reason: String, package: String)
    /// dlib failed on an image (an exception it raised, caught in CFaceDetection).
    case detectorFailed(reason: String)
    /// `noFace: error`: images in which no face was found (or, with `align: landmarks`, without
    /// landmarks), all listed; `policyKey` names the setting that chooses another outcome.
    case noFace([SkippedFile], policyKey: String)
    /// The face cache folder cannot be created or written.
    case faceCache(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotDecode(path, reason):
            return "cannot decode image \(path): \(reason). Expected a readable PNG, JPEG or TIFF file."
        case let .cannotEncode(path, reason):
            return "cannot write image \(path): \(reason)."
        case let .missingPath(path, expected):
            return "\(path) does not exist: expected \(expected)."
        case let .noImages(root, expected):
            return "no images found under \(root): expected \(expected)."
        case let .badFile(path, line, reason):
            return line > 0 ? "\(path), line \(line): \(reason)." : "\(path): \(reason)."
        case let .unknownKind(kind, known):
            return "unknown dataset kind '\(kind)': use one of \(known.joined(separator: ", "))."
        case let .badOption(key, value, expected):
            return "dataset option \(key)=\(value): expected \(expected)."
        case let .unreadableFiles(files):
            let list = files.prefix(20).map { "  \($0.path): \($0.reason)" }.joined(separator: "\n")
            let more = files.count > 20 ? "\n  ... and \(files.count - 20) more" : ""
            return "\(files.count) unreadable file(s); fix or remove them, or skip them with --skip-unreadable "
                + "(skipUnreadable in a spec):\n\(list)\(more)"
        case let .tooFewSubjects(subjects, folds):
            return "cannot split \(subjects) subject(s) into \(folds) subject-independent folds: "
                + "use at most \(subjects) folds."
        case let .faceModel(path, reason, package):
            return "cannot load dlib's 68-point face landmark model \(path): \(reason). It is installed by the Debian "
                + "package \(package) (apt-get install \(package), or make deps); only face detection needs it."
        case let .detectorFailed(reason):
            return "face detection failed: \(reason)."
        case let .noFace(files, policyKey):
            let list = files.prefix(20).map { "  \($0.path): \($0.reason)" }.joined(separator: "\n")
            let more = files.count > 20 ? "\n  ... and \(files.count - 20) more" : ""
            return "\(files.count) image(s) with no face to align; remove them, or set \(policyKey) to skip (leave them out) "
                + "or center (use the whole frame):\n\(list)\(more)"
        case let .faceCache(path, reason):
            return "cannot use the face cache \(path): \(reason)."
        }
    }
}
