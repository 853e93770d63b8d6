// AlignmentReport: how FaceAligner aligned a dataset's faces (section 5.1): the settings, counts
// by landmark source, the images with no face and with several, what the face cache saved. `exp
// data inspect` prints it, and the run log keeps it as JSON (experiments.face_alignment).

import Foundation
import Vocabulary

/// How a dataset's faces were aligned: counts by landmark source, the images with no face and those
/// with several, and what the cache saved.
public struct AlignmentReport: Codable, Equatable, Sendable {
    public var method: Alignment
    public var noFacePolicy: NoFacePolicy
    public var eyeDistance: Double
    public var eyeLevel: Double
    public var upsample: Int
    /// dlib and its model, when any image needed the detector (`detectorKey`).
    public var detector: String?
    /// Images looked at.
    public var images = 0
    /// Aligned on the dataset's own landmarks, on OpenFace CSVs, on dlib's landmarks.
    public var byDataset = 0
    public var byOpenFace = 0
    public var detected = 0
    /// Resized whole, not aligned (`align: none`, or a face not found with `noFace: center`).
    public var wholeFrames = 0
    /// Images with no face (or no landmarks) and why; what happened to them is `noFacePolicy`.
    public var noFace: [SkippedFile] = []
    /// Images in which dlib found more than one face (the largest was used).
    public var multipleFaces: [SkippedFile] = []
    /// The lengths of the two lists (the run log's JSON keeps only their first `listedInLog`).
    public var noFaceCount = 0
    public var multipleFacesCount = 0
    public static let listedInLog = 100
    /// Detector runs in this pass, and findings read from the cache instead.
    public var detectionsRun = 0
    public var detectionsFromCache = 0
    /// Face images read from the cache instead of being decoded and aligned.
    public var facesFromCache = 0
    /// Damaged cache entries found and computed again.
    public var repairedEntries = 0
    /// Seconds spent in the detector (decoding and the model's loading excluded); not part of the
    /// JSON, which the run log keeps: a timing would make equal data check out different.
    public var detectionSeconds: Double = 0

    enum CodingKeys: String, CodingKey {
        case method, noFacePolicy, eyeDistance, eyeLevel, upsample, detector, images, byDataset, byOpenFace, detected
        case wholeFrames, noFace, multipleFaces, noFaceCount, multipleFacesCount, detectionsRun, detectionsFromCache
        case facesFromCache, repairedEntries
    }

    init(_ settings: AlignmentSettings) {
        method = settings.method
        noFacePolicy = settings.noFace
        eyeDistance = settings.geometry.eyeDistance
        eyeLevel = settings.geometry.eyeLevel
        upsample = settings.geometry.upsample
    }

    /// One sentence for reports: how the faces were aligned.
    public var summary: String {
        var parts: [String] = []
        if byDataset > 0 { parts.append("\(byDataset) on the dataset's own landmarks") }
        if byOpenFace > 0 { parts.append("\(byOpenFace) on OpenFace landmarks") }
        if detected > 0 {
            let several = multipleFaces.isEmpty ? "" : " (\(multipleFaces.count) showed more than one face: the largest was used)"
            parts.append("\(detected) on landmarks of dlib's detector\(several)")
        }
        var text = parts.isEmpty ? "" : "aligned by the eye centres: " + parts.joined(separator: ", ")
        if wholeFrames > noFaceCentred {
            text += (text.isEmpty ? "" : "; ") + "\(wholeFrames - noFaceCentred) whole frames resized (align none)"
        }
        if !noFace.isEmpty {
            let outcome = noFacePolicy == .skip ? "left out" : noFacePolicy == .center ? "resized whole" : "stopped the run"
            text += (text.isEmpty ? "" : "; ") + "\(noFace.count) \(missingWhat) \(outcome) (noFace \(noFacePolicy.rawValue))"
        }
        return text
    }

    /// What the images of `noFace` lack: landmarks with `align: landmarks`, else a face.
    public var missingWhat: String { method == .landmarks ? "without landmarks" : "with no face" }

    private var noFaceCentred: Int { noFacePolicy == .center ? noFace.count : 0 }

    /// The report as one line of JSON (the run log's `face_alignment`), each list cut to its first
    /// `listedInLog` files (the counts say how many there are).
    public var json: String {
        var short = self
        short.noFace = Array(noFace.prefix(Self.listedInLog))
        short.multipleFaces = Array(multipleFaces.prefix(Self.listedInLog))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(short)) ?? Data(), as: UTF8.self)
    }
}
