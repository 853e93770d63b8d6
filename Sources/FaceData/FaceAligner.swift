// FaceAligner: section 5.1's "face detection and face alignment ... based on the facial landmarks"
// for a whole dataset, run once when the data is loaded. For each image it settles the landmarks
// that align it (the dataset's own, an OpenFace CSV's, or dlib's detector: `Alignment`), applies
// the no-face policy, and, with a cache, stores dlib's finding and the preprocessed face image so
// that no later process detects or decodes that image again. The report says how every face was
// aligned; the run log keeps it with the experiment's provenance.

import Foundation
import Vocabulary

/// The spec's alignment choices, and the model file dlib reads.
public struct AlignmentSettings: Equatable, Sendable {
    public var method: Alignment
    public var noFace: NoFacePolicy
    public var geometry: AlignmentGeometry
    public var modelPath: String

    public init(method: Alignment = .auto, noFace: NoFacePolicy = .error, geometry: AlignmentGeometry = .standard,
                modelPath: String = FaceDetector.defaultModelPath) {
        self.method = method
        self.noFace = noFace
        self.geometry = geometry
        self.modelPath = modelPath
    }

    /// Where the face image has the eye centres: symmetric about the vertical midline.
    public var eyes: EyePositions {
        let half = Float(geometry.eyeDistance / 2), level = Float(geometry.eyeLevel)
        return EyePositions(left: Point(x: 0.5 - half, y: level), right: Point(x: 0.5 + half, y: level))
    }

    /// The detector as the detection cache knows it: dlib's version, the model file (name and size)
    /// and the upsampling, without reading the model.
    public var detectorKey: String {
        let size = (try? FileManager.default.attributesOfItem(atPath: modelPath)[.size] as? Int) ?? -1
        return "dlib \(FaceDetector.dlibVersion) frontal_face_detector; \((modelPath as NSString).lastPathComponent) "
            + "\(size) bytes; upsample \(geometry.upsample)"
    }
}

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

public struct FaceAligner {
    public var settings: AlignmentSettings
    /// The preprocessing of the face images the cache stores (its `eyes` are the settings').
    public var preprocessor: Preprocessor
    public var cache: FaceCache?
    /// Gives the detector the first time an image needs one (default: one per process and model).
    public var makeDetector: (String) throws -> FaceDetector = { try FaceDetector.shared(modelPath: $0) }

    public init(settings: AlignmentSettings, channels: Int, imageSize: Int, cache: FaceCache?) {
        self.settings = settings
        self.preprocessor = Preprocessor(channels: channels, imageSize: imageSize, eyes: settings.eyes)
        self.cache = cache
    }

    /// Settles every sample's landmarks and applies the no-face policy, in dataset order. Unreadable
    /// files are listed in one `DataError.unreadableFiles` (or skipped with `skipUnreadable`);
    /// images without a face throw `DataError.noFace` with `noFace: error` when `stopOnNoFace`
    /// (`exp data inspect` lists them instead). Sets `dataset.alignment`.
    public func align(_ dataset: inout Dataset, stopOnNoFace: Bool = true) throws {
        var report = AlignmentReport(settings)
        let detectorKey = settings.detectorKey
        var detector: FaceDetector?
        var kept: [Sample] = []
        var unreadable: [SkippedFile] = []
        kept.reserveCapacity(dataset.samples.count)
        for original in dataset.samples {
            var sample = original
            report.images += 1
            var content: String?
            if case .file(let path) = sample.source {
                guard let hash = FaceCache.contentHash(path) else {
                    unreadable.append(SkippedFile(path: path, reason: "unreadable: \(FileSystem.exists(path) ? "cannot read the file" : "no such file")"))
                    continue
                }
                content = hash
            }
            var decoded: Image?
            func image() throws -> Image {
                if let decoded { return decoded }
                switch sample.source {
                case .file(let path): decoded = try Image(contentsOf: path)
                case .memory(let image): decoded = image
                }
                return decoded!
            }
            do {
                var missing: String?
                switch (settings.method, sample.landmarkSource) {
                case (.none, _):
                    sample.landmarks = nil
                    sample.landmarkSource = nil
                    report.wholeFrames += 1
                case (.landmarks, nil):
                    missing = "no landmarks (neither the dataset's own nor an OpenFace CSV)"
                case (.landmarks, .some(let source)), (.auto, .some(let source)):
                    if source == .openface { report.byOpenFace += 1 } else { report.byDataset += 1 }
                case (.auto, nil), (.detect, _):
                    var finding = content.flatMap { cache?.detection(content: $0, detector: detectorKey) }
                    if finding != nil {
                        report.detectionsFromCache += 1
                    } else {
                        if let content, let cache, FileSystem.exists(cache.detectionPath(content: content, detector: detectorKey)) {
                            report.repairedEntries += 1
                        }
                        if detector == nil { detector = try makeDetector(settings.modelPath) }
                        let frame = try image()
                        let start = DispatchTime.now().uptimeNanoseconds
                        let found = try detector!.find(in: frame, upsample: settings.geometry.upsample)
                        report.detectionSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
                        report.detectionsRun += 1
                        if let content, let cache { try cache.storeDetection(found, content: content, detector: detectorKey) }
                        finding = found
                    }
                    report.detector = detectorKey
                    if let face = finding!.face {
                        sample.landmarks = face.landmarks
                        sample.landmarkSource = .detector
                        sample.faceBox = face.box
                        report.detected += 1
                        if finding!.faces > 1 {
                            let b = face.box
                            report.multipleFaces.append(SkippedFile(
                                path: sample.source.name,
                                reason: "\(finding!.faces) faces found; the largest (\(Int(b.width))x\(Int(b.height)) at \(Int(b.left)),\(Int(b.top))) was used"))
                        }
                    } else {
                        missing = finding!.reason ?? "no face found"
                    }
                }
                if let missing {
                    report.noFace.append(SkippedFile(path: sample.source.name, reason: missing))
                    sample.landmarks = nil
                    sample.landmarkSource = nil
                    switch settings.noFace {
                    case .skip:
                        dataset.skipped.append(SkippedFile(path: sample.source.name, reason: "no face: \(missing)"))
                        continue
                    case .center: report.wholeFrames += 1
                    case .error: break
                    }
                }
                if let cache, let content {
                    let path = cache.facePath(key: FaceCache.faceKey(content: content, landmarks: sample.landmarks, preprocessor: preprocessor))
                    if FaceCache.readFace(path, size: preprocessor.imageSize, channels: preprocessor.channels) != nil {
                        report.facesFromCache += 1
                    } else {
                        if FileSystem.exists(path) { report.repairedEntries += 1 }
                        try FaceCache.writeFace(preprocessor.prepare(try image(), landmarks: sample.landmarks), to: path)
                    }
                    sample.cachedFace = path
                } else if case .file = sample.source {
                    _ = try image()  // no cache: still find unreadable files now, not mid-training
                }
            } catch let DataError.cannotDecode(path, reason) {
                unreadable.append(SkippedFile(path: path, reason: "unreadable: \(reason)"))
                continue
            }
            kept.append(sample)
        }
        if !unreadable.isEmpty {
            guard dataset.description.skipUnreadable else { throw DataError.unreadableFiles(unreadable) }
            dataset.skipped += unreadable
        }
        dataset.samples = kept
        report.noFaceCount = report.noFace.count
        report.multipleFacesCount = report.multipleFaces.count
        dataset.alignment = report
        if stopOnNoFace && settings.noFace == .error && !report.noFace.isEmpty {
            throw DataError.noFace(report.noFace, policyKey: "dataset.noFace")
        }
    }
}
