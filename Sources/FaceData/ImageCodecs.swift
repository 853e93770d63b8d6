// Image files: decoding (PNG 8/16-bit gray, gray+alpha, RGB, RGBA, palette; JPEG; TIFF) and
// encoding (PNG for sample grids; JPEG and TIFF to write datasets in their native layouts) through the C target CImageCodecs, which catches every library error.
// The only Swift file that imports CImageCodecs. The codec is chosen from the file's first bytes.

import CImageCodecs
import Foundation

extension Image {
    /// Decodes an image file. Alpha is dropped; gray files give 1 channel, colour files 3.
    /// Throws `DataError.cannotDecode` naming the file when it is missing, empty, truncated,
    /// damaged or not an image.
    public init(contentsOf path: String) throws {
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
            throw DataError.cannotDecode(path: path, reason: "no such file")
        }
        if isFolder.boolValue { throw DataError.cannotDecode(path: path, reason: "it is a folder, not an image file") }
        var decoded = ic_image()
        var message = [CChar](repeating: 0, count: 512)
        let status = ic_decode_file(path, &decoded, &message, message.count)
        guard status == 0, let pixels = decoded.pixels else {
            throw DataError.cannotDecode(path: path, reason: Self.string(message))
        }
        defer { ic_free(&decoded) }
        let count = Int(decoded.width) * Int(decoded.height) * Int(decoded.channels)
        self.init(width: Int(decoded.width), height: Int(decoded.height), channels: Int(decoded.channels),
                  pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    /// Writes the image as an 8-bit PNG (gray or RGB), clamping values to [0, 1].
    public func writePNG(to path: String) throws {
        try Self.writeAtomically(path) { temporary in
            var message = [CChar](repeating: 0, count: 512)
            let status = pixels.withUnsafeBufferPointer { buffer in
                ic_encode_png(temporary, buffer.baseAddress, Int32(width), Int32(height), Int32(channels),
                              &message, message.count)
            }
            guard status == 0 else { throw DataError.cannotEncode(path: path, reason: Self.string(message)) }
        }
    }

    /// Writes the image as a baseline JPEG (gray or RGB) at `quality` 1-100.
    public func writeJPEG(to path: String, quality: Int = 95) throws {
        try Self.writeAtomically(path) { temporary in
            var message = [CChar](repeating: 0, count: 512)
            let status = pixels.withUnsafeBufferPointer { buffer in
                ic_encode_jpeg(temporary, buffer.baseAddress, Int32(width), Int32(height), Int32(channels), Int32(quality),
                               &message, message.count)
            }
            guard status == 0 else { throw DataError.cannotEncode(path: path, reason: Self.string(message)) }
        }
    }

    /// Writes the image as an uncompressed 8-bit TIFF (gray or RGB).
    public func writeTIFF(to path: String) throws {
        try Self.writeAtomically(path) { temporary in
            var message = [CChar](repeating: 0, count: 512)
            let status = pixels.withUnsafeBufferPointer { buffer in
                ic_encode_tiff(temporary, buffer.baseAddress, Int32(width), Int32(height), Int32(channels),
                               &message, message.count)
            }
            guard status == 0 else { throw DataError.cannotEncode(path: path, reason: Self.string(message)) }
        }
    }

    /// Runs `encode` on a temporary sibling of `path` (`.NAME.tmp-PID`) and renames it into place:
    /// a process killed mid-write leaves the old file or none, never half an image. `exp run`
    /// removes such leftovers at its start.
    private static func writeAtomically(_ path: String, _ encode: (String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        do {
            try encode(temporary)
            guard rename(temporary, path) == 0 else {
                throw DataError.cannotEncode(path: path, reason: String(cString: strerror(errno)))
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    private static func string(_ message: [CChar]) -> String {
        let bytes = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
