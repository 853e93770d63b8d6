// FaceCache: what face alignment computed once per image, kept on disk (in a run's results folder,
// `faces/`) and shared by every process that loads the same data: the coordinator's data check and
// each worker of `exp run`, `exp data inspect`.
//
//   faces/detections/<detector key>/<ab>/<content SHA-256>.json   dlib's finding for an image file
//   faces/images/<ab>/<face key>.face                             its preprocessed face image
//
// The detection key names the detector, model and upsampling; the face key hashes the image
// file's content, the landmarks used, the channels, the image size and the eye positions. Entries
// are written to a temporary file and renamed, so a reader sees a whole entry or none; processes
// that compute the same entry write the same bytes. Each entry carries a SHA-256 of its body: a
// damaged or truncated one reads as missing and is computed again.

import Foundation
import Hashing

public struct FaceCache: Sendable {
    /// The cache folder (`<results>/faces`).
    public let folder: String

    public init(folder: String) {
        self.folder = folder
    }

    /// The SHA-256 of a file's bytes; nil when it cannot be read.
    public static func contentHash(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var hasher = SHA256()
        data.withUnsafeBytes { hasher.update($0) }
        return SHA256.hexString(hasher.finalize())
    }

    /// A short stable key of a text (the first 16 hex digits of its SHA-256).
    static func key(_ text: String) -> String { String(SHA256.hex(of: Array(text.utf8)).prefix(16)) }

    // MARK: Detections

    private static let detectionHeader = "exp-face-detection 1"

    func detectionPath(content: String, detector: String) -> String {
        FileSystem.join(folder, "detections", Self.key(detector), String(content.prefix(2)), content + ".json")
    }

    /// The cached finding for an image file's content; nil when absent or damaged.
    public func detection(content: String, detector: String) -> FaceFinding? {
        guard let data = FileManager.default.contents(atPath: detectionPath(content: content, detector: detector)) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 4, lines[0] == Self.detectionHeader, lines[3].isEmpty,
              lines[2] == "sha256 " + SHA256.hex(of: Array(lines[1].utf8)) else { return nil }
        return try? JSONDecoder().decode(FaceFinding.self, from: Data(lines[1].utf8))
    }

    public func storeDetection(_ finding: FaceFinding, content: String, detector: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = String(decoding: try encoder.encode(finding), as: UTF8.self)
        let text = "\(Self.detectionHeader)\n\(body)\nsha256 \(SHA256.hex(of: Array(body.utf8)))\n"
        try write(Data(text.utf8), to: detectionPath(content: content, detector: detector))
    }

    // MARK: Face images

    private static let faceMagic = Array("EXPFACE1".utf8)

    /// The key of a preprocessed face: what it was made from and how.
    public static func faceKey(content: String, landmarks: [Point]?, preprocessor: Preprocessor) -> String {
        var text = "content \(content)\nchannels \(preprocessor.channels)\nsize \(preprocessor.imageSize)\n"
        if let landmarks {
            let e = preprocessor.eyes
            text += "eyes \([e.left.x, e.left.y, e.right.x, e.right.y].map { String($0.bitPattern, radix: 16) })\n"
            text += "landmarks " + landmarks.map { "\(String($0.x.bitPattern, radix: 16)),\(String($0.y.bitPattern, radix: 16))" }
                .joined(separator: " ") + "\n"
        } else {
            text += "whole frame\n"
        }
        return SHA256.hex(of: Array(text.utf8))
    }

    public func facePath(key: String) -> String {
        FileSystem.join(folder, "images", String(key.prefix(2)), key + ".face")
    }

    /// The face image stored at `path`, nil when absent, damaged or not `size` x `size` x `channels`.
    public static func readFace(_ path: String, size: Int, channels: Int) -> Image? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let count = size * size * channels
        guard data.count == 8 + 12 + 4 * count + 32 else { return nil }
        return data.withUnsafeBytes { raw -> Image? in
            guard Array(raw[0..<8]) == faceMagic else { return nil }
            let header = (0..<3).map { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8 + 4 * $0, as: UInt32.self))) }
            guard header == [size, size, channels] else { return nil }
            let body = UnsafeRawBufferPointer(rebasing: raw[0..<(20 + 4 * count)])
            var hasher = SHA256()
            hasher.update(body)
            guard hasher.finalize() == Array(raw[(20 + 4 * count)...]) else { return nil }
            let pixels = (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 20 + 4 * $0, as: UInt32.self))) }
            return Image(width: size, height: size, channels: channels, pixels: pixels)
        }
    }

    /// Writes a square face image exactly (Float32 bits, little-endian) with its checksum.
    public static func writeFace(_ image: Image, to path: String) throws {
        precondition(image.width == image.height, "FaceCache.writeFace of a \(image.width)x\(image.height) image")
        var bytes = faceMagic
        for v in [image.width, image.height, image.channels] { withUnsafeBytes(of: UInt32(v).littleEndian) { bytes += $0 } }
        bytes.reserveCapacity(bytes.count + 4 * image.pixels.count + 32)
        for p in image.pixels { withUnsafeBytes(of: p.bitPattern.littleEndian) { bytes += $0 } }
        bytes += { var h = SHA256(); h.update(bytes); return h.finalize() }()
        try write(Data(bytes), to: path)
    }

    // MARK: Files

    /// Writes through `.NAME.tmp-PID-N` beside `path` (N tells apart threads of one process) and
    /// renames it into place.
    static func write(_ data: Data, to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DataError.faceCache(path: folder, reason: "cannot create the folder (\(error.localizedDescription))")
        }
        let temporary = FileSystem.join(folder, ".\((path as NSString).lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw DataError.faceCache(path: temporary, reason: "cannot write (\(String(cString: strerror(errno))))")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw DataError.faceCache(path: path, reason: "cannot rename the finished entry into place (\(reason))")
        }
    }

    private func write(_ data: Data, to path: String) throws { try Self.write(data, to: path) }

    /// Removes temporary files left by processes that no longer run (a write killed half-way).
    public func removeUnfinishedFiles() {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return }
        for case let relative as String in walker {
            let name = (relative as NSString).lastPathComponent
            guard name.hasPrefix("."), let range = name.range(of: ".tmp-"),
                  let pid = Int32(name[range.upperBound...].prefix { $0 != "-" }) else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(FileSystem.join(folder, relative)) }
        }
    }
}
