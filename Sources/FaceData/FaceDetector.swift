// FaceDetector: dlib's frontal face detector (HOG features + linear SVM) and 68-point shape
// predictor (iBUG 300-W order, the order of CK+'s and OpenFace's landmarks) through the C++ target
// CFaceDetection, which catches every dlib exception. The only Swift file that imports it.
// Section 5.1 aligns faces on landmarks (CE-CLM there); dlib gives the same 68 points.
// The model file (about 100 MB, Debian's libdlib-data) is read when a detector is first needed, so
// a missing file fails only the commands that detect faces.

import CFaceDetection
import Foundation

/// A face box in image pixels: the detector's rectangle, left/top inclusive and right/bottom
/// exclusive (`width` = right - left).
public struct FaceBox: Equatable, Codable, Sendable {
    public var left: Float
    public var top: Float
    public var right: Float
    public var bottom: Float

    public init(left: Float, top: Float, right: Float, bottom: Float) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
    }

    public var width: Float { right - left }
    public var height: Float { bottom - top }
    public var area: Float { width * height }
}

/// One face the detector found: its box, its confidence and its 68 landmarks.
public struct DetectedFace: Equatable, Codable, Sendable {
    public var box: FaceBox
    /// The detector's score above its threshold (larger is surer).
    public var confidence: Double
    /// 68 points, iBUG order, in image pixels (whole pixels: dlib rounds them).
    public var landmarks: [Point]
}

/// What the detector made of one image: the face used (the largest, when there are several), how
/// many it found, and why it found none.
public struct FaceFinding: Equatable, Codable, Sendable {
    /// The largest face found, nil when none was.
    public var face: DetectedFace?
    /// Faces found (0 when none).
    public var faces: Int
    /// Times the image was doubled before a face was found (or the most tried when none was).
    public var upsampled: Int
    /// Why no face is used: "no face found ...", "image ... smaller than ...".
    public var reason: String?

    public init(face: DetectedFace?, faces: Int, upsampled: Int, reason: String?) {
        self.face = face
        self.faces = faces
        self.upsampled = upsampled
        self.reason = reason
    }
}

/// dlib's face detector with the 68-point shape model. Detection is serialised per instance (dlib's
/// scanner keeps per-call state); `shared` gives one instance per process and model file.
public final class FaceDetector: @unchecked Sendable {
    /// Where Debian's libdlib-data installs the 68-point model.
    public static let defaultModelPath = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"
    /// The Debian package that provides the model file.
    public static let modelPackage = "libdlib-data"
    /// The detector's scanning window: faces smaller than this (in pixels of the scanned image) are
    /// not found.
    public static let smallestFace = 80

    public let modelPath: String
    private let handle: OpaquePointer
    private let lock = NSLock()

    /// Reads the shape model (a few seconds). Throws `DataError.faceModel` naming the file and the
    /// package that provides it when the file is missing or unreadable.
    public init(modelPath: String = FaceDetector.defaultModelPath) throws {
        var message = [CChar](repeating: 0, count: 512)
        guard FileManager.default.fileExists(atPath: modelPath) else {
            throw DataError.faceModel(path: modelPath, reason: "no such file", package: Self.modelPackage)
        }
        guard let handle = fd_open(modelPath, &message, message.count) else {
            throw DataError.faceModel(path: modelPath, reason: Self.string(message), package: Self.modelPackage)
        }
        self.modelPath = modelPath
        self.handle = handle
    }

    deinit { fd_close(handle) }

    /// The dlib version the wrapper was built against ("19.24.0").
    public static var dlibVersion: String { String(cString: fd_dlib_version()) }

    /// What the detector and model are, for provenance and cache keys.
    public var identity: String {
        "dlib \(Self.dlibVersion) HOG frontal face detector, \((modelPath as NSString).lastPathComponent)"
    }

    private static let sharedLock = NSLock()
    nonisolated(unsafe) private static var sharedDetectors: [String: FaceDetector] = [:]

    /// One detector per model file for the whole process, read on first use.
    public static func shared(modelPath: String = FaceDetector.defaultModelPath) throws -> FaceDetector {
        sharedLock.lock()
        defer { sharedLock.unlock() }
        if let detector = sharedDetectors[modelPath] { return detector }
        let detector = try FaceDetector(modelPath: modelPath)
        sharedDetectors[modelPath] = detector
        return detector
    }

    /// Every face dlib finds in `image` scanned `upsample` times doubled, most confident first.
    /// The image is turned to 8-bit gray (BT.601 luma, rounded) first, so gray and RGB copies of a
    /// photo give the same faces.
    public func detect(_ image: Image, upsample: Int) throws -> [DetectedFace] {
        precondition((0...4).contains(upsample), "FaceDetector.detect upsample \(upsample) outside 0...4")
        let gray = Self.grayBytes(image)
        var faces = [fd_face](repeating: fd_face(), count: 16)
        var message = [CChar](repeating: 0, count: 512)
        lock.lock()
        let count = gray.withUnsafeBufferPointer { pixels in
            fd_detect(handle, pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(upsample),
                      &faces, Int32(faces.count), &message, message.count)
        }
        lock.unlock()
        guard count >= 0 else { throw DataError.detectorFailed(reason: Self.string(message)) }
        return faces.prefix(min(Int(count), faces.count)).map { f in
            let points = withUnsafeBytes(of: f.points) { raw in
                let values = raw.bindMemory(to: Float.self)
                return (0..<68).map { Point(x: values[2 * $0], y: values[2 * $0 + 1]) }
            }
            // dlib's rectangles include their right and bottom pixels.
            let box = FaceBox(left: Float(f.left), top: Float(f.top), right: Float(f.right + 1), bottom: Float(f.bottom + 1))
            return DetectedFace(box: box, confidence: f.confidence, landmarks: points)
        }
    }

    /// Finds the face to align: scans the image at its own scale, then doubled, up to `upsample`
    /// times, stopping at the first scale with a face; of several faces the largest box is used.
    public func find(in image: Image, upsample: Int) throws -> FaceFinding {
        let side = min(image.width, image.height)
        if side << upsample < Self.smallestFace {
            let smallest = Self.smallestFace >> upsample
            return FaceFinding(face: nil, faces: 0, upsampled: upsample,
                               reason: "image \(image.width)x\(image.height) is smaller than the detector's smallest face "
                                   + "(\(smallest)x\(smallest) pixels with upsample \(upsample))")
        }
        for scale in 0...upsample where side << scale >= Self.smallestFace {
            let faces = try detect(image, upsample: scale)
            if let largest = faces.max(by: { $0.box.area < $1.box.area }) {
                return FaceFinding(face: largest, faces: faces.count, upsampled: scale, reason: nil)
            }
        }
        return FaceFinding(face: nil, faces: 0, upsampled: upsample,
                           reason: "no face found (scanned at \(upsample == 0 ? "the image's own scale" : "up to \(1 << upsample)x"))")
    }

    /// 8-bit gray pixels, row-major: BT.601 luma of RGB, rounded and clamped.
    static func grayBytes(_ image: Image) -> [UInt8] {
        image.toGray().pixels.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }
    }

    private static func string(_ message: [CChar]) -> String {
        String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
