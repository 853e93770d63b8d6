// FaceAligner: section 5.1's "face detection and face alignment ... based on the facial landmarks"
// for a whole dataset, run once when the data is loaded. For each image it settles the landmarks
// that align it (the dataset's own, an OpenFace CSV's, or dlib's detector: `Alignment`), applies
// the no-face policy, and, with a cache, stores dlib's finding and the preprocessed face image so
// that no later process detects or decodes that image again. Its AlignmentReport says how every
// face was aligned; the run log keeps it with the experiment's provenance.

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
                    let why = FileSystem.exists(path) ? "cannot read the file" : "no such file"
                    unreadable.append(SkippedFile(path: path, reason: "unreadable: \(why)"))
                    continue
                }
                content = hash
            }
            // Decoded at most once, when needed; reads the source captured here, not `sample`, which
            // settleLandmarks holds for writing while it may call this.
            let source = sample.source
            var decoded: Image?
            func image() throws -> Image {
                if let decoded { return decoded }
                switch source {
                case .file(let path): decoded = try Image(contentsOf: path)
                case .memory(let image): decoded = image
                }
                return decoded!
            }
            do {
                let missing = try settleLandmarks(&sample, content: content, image: image, detector: &detector,
                                                  detectorKey: detectorKey, report: &report)
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
                    let key = FaceCache.faceKey(content: content, landmarks: sample.landmarks, preprocessor: preprocessor)
                    let path = cache.facePath(key: key)
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

    /// Sets `sample`'s landmarks from the source `settings.method` names, detecting (or reading
    /// the cache) where needed; returns why the image has none to align on, nil when it has.
    private func settleLandmarks(_ sample: inout Sample, content: String?, image: () throws -> Image, detector: inout FaceDetector?,
                                 detectorKey: String, report: inout AlignmentReport) throws -> String? {
        switch (settings.method, sample.landmarkSource) {
        case (.none, _):
            sample.landmarks = nil
            sample.landmarkSource = nil
            report.wholeFrames += 1
            return nil
        case (.landmarks, nil):
            return "no landmarks (neither the dataset's own nor an OpenFace CSV)"
        case (.landmarks, .some(let source)), (.auto, .some(let source)):
            if source == .openface { report.byOpenFace += 1 } else { report.byDataset += 1 }
            return nil
        case (.auto, nil), (.detect, _):
            break
        }
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
        guard let face = finding!.face else { return finding!.reason ?? "no face found" }
        sample.landmarks = face.landmarks
        sample.landmarkSource = .detector
        sample.faceBox = face.box
        report.detected += 1
        if finding!.faces > 1 {
            let b = face.box
            let largest = "\(Int(b.width))x\(Int(b.height)) at \(Int(b.left)),\(Int(b.top))"
            report.multipleFaces.append(SkippedFile(
                path: sample.source.name, reason: "\(finding!.faces) faces found; the largest (\(largest)) was used"))
        }
        return nil
    }
}
