// Sample and Dataset: what a loader returns. A sample is one image (a file, or an image held in
// memory for generated datasets) with its label, subject and, for video datasets, its sequence and
// frame. A dataset also keeps what the loader skipped and why, and the frames it chose per sequence,
// so `exp data inspect` and a run's log can report them.

import Vocabulary

/// Where a sample's pixels come from.
public enum ImageSource: Equatable, Sendable {
    case file(String)
    case memory(Image)

    /// A short name for reports: the path, or "<memory>".
    public var name: String {
        switch self {
        case .file(let path): return path
        case .memory: return "<memory>"
        }
    }
}

/// A 2-D point in pixel coordinates (x right, y down).
public struct Point: Equatable, Codable, Sendable {
    public var x: Float
    public var y: Float
    public init(x: Float, y: Float) {
        self.x = x
        self.y = y
    }
}

public struct Sample: Equatable, Sendable {
    public var source: ImageSource
    /// Index into the dataset's `classes`.
    public var label: Int
    public var expression: Expression
    public var subject: String
    /// The sequence (video) within the subject, when the dataset has sequences.
    public var sequence: String?
    /// The frame number within the sequence, when known.
    public var frame: Int?
    /// 68 facial landmarks (iBUG order) in the source image's pixels: the dataset's own, an
    /// OpenFace CSV's or dlib's (see `landmarkSource`); nil when the face is not aligned.
    public var landmarks: [Point]?
    /// Where `landmarks` came from.
    public var landmarkSource: LandmarkSource?
    /// dlib's box around the face used, when the landmarks are dlib's.
    public var faceBox: FaceBox?
    /// The face cache entry holding this sample's preprocessed face image, once `FaceAligner` made
    /// or found it; `Preprocessor` reads it instead of decoding the file again.
    public var cachedFace: String?

    public init(source: ImageSource, label: Int, expression: Expression, subject: String,
                sequence: String? = nil, frame: Int? = nil, landmarks: [Point]? = nil) {
        self.source = source
        self.label = label
        self.expression = expression
        self.subject = subject
        self.sequence = sequence
        self.frame = frame
        self.landmarks = landmarks
        self.landmarkSource = landmarks == nil ? nil : .dataset
    }
}

/// Where a sample's landmarks came from.
public enum LandmarkSource: String, Codable, Sendable {
    /// The dataset's own files (CK+ `Landmarks/`).
    case dataset
    /// An OpenFace 2.0 FeatureExtraction CSV (`dataset.openface`).
    case openface
    /// dlib's detector and shape predictor (`FaceDetector`).
    case detector
}

/// A file or sequence a loader left out, and why.
public struct SkippedFile: Equatable, Codable, Sendable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// The frames a loader chose from one sequence.
public struct SequenceFrames: Equatable, Codable, Sendable {
    public var subject: String
    public var sequence: String
    public var expression: Expression
    public var framesAvailable: Int
    /// Frame numbers taken with the sequence's label.
    public var chosen: [Int]
    /// Frame taken as neutral, when the class set includes neutral.
    public var neutral: Int?
}

public struct Dataset: Sendable {
    /// The description the dataset was loaded from.
    public var description: DatasetDescription
    /// Label order: `samples[i].label` indexes this array.
    public var classes: [Expression]
    public var samples: [Sample]
    /// Files or sequences left out, with the reason (no label, label outside the class set,
    /// unreadable in --skip-unreadable mode, ...).
    public var skipped: [SkippedFile]
    /// Labels found in the dataset that do not name any expression, with their counts.
    public var unknownLabels: [String: Int]
    /// Frames chosen per sequence (video datasets only).
    public var selections: [SequenceFrames]
    /// How the faces were aligned, once `FaceAligner` ran.
    public var alignment: AlignmentReport?

    public init(description: DatasetDescription, classes: [Expression], samples: [Sample],
                skipped: [SkippedFile] = [], unknownLabels: [String: Int] = [:],
                selections: [SequenceFrames] = []) {
        self.description = description
        self.classes = classes
        self.samples = samples
        self.skipped = skipped
        self.unknownLabels = unknownLabels
        self.selections = selections
    }

    /// Distinct subjects, sorted.
    public var subjects: [String] { Array(Set(samples.map(\.subject))).sorted() }

    /// Image count per class, in label order.
    public var countsPerClass: [Int] {
        var counts = [Int](repeating: 0, count: classes.count)
        for s in samples { counts[s.label] += 1 }
        return counts
    }

    /// Classes of the class set with no image.
    public var emptyClasses: [Expression] {
        zip(classes, countsPerClass).filter { $0.1 == 0 }.map(\.0)
    }

    /// Image count per subject.
    public var countsPerSubject: [String: Int] {
        samples.reduce(into: [:]) { $0[$1.subject, default: 0] += 1 }
    }
}
