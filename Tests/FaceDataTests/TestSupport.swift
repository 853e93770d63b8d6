// Test helpers: images written into temporary folders, deterministic test images and a minimal PNG writer (stored,
// uncompressed deflate blocks) that produces the PNG layouts our encoder does not (16-bit, alpha,
// palette), so the decoder is checked against pixel values chosen here.

import FaceData
import Foundation
import TestSupport

extension TemporaryFolder {
    /// Writes a small gray image whose pixels depend on `seed`, in the format of the extension.
    @discardableResult
    func writeImage(_ relative: String, seed: Int = 0, size: Int = 12, channels: Int = 1) throws -> String {
        let full = try file(relative)
        let image = patternImage(width: size, height: size, channels: channels, seed: seed)
        switch (full as NSString).pathExtension.lowercased() {
        case "jpg", "jpeg": try image.writeJPEG(to: full)
        case "tif", "tiff": try image.writeTIFF(to: full)
        default: try image.writePNG(to: full)
        }
        return full
    }
}

/// An asymmetric image with values on the 8-bit grid (exact through 8-bit PNG).
func patternImage(width: Int, height: Int, channels: Int, seed: Int = 0) -> Image {
    var image = Image(width: width, height: height, channels: channels)
    for c in 0..<channels {
        for y in 0..<height {
            for x in 0..<width {
                image[c, y, x] = Float((x * 37 + y * 11 + c * 53 + seed * 29 + x * y) % 256) / 255
            }
        }
    }
    return image
}

func readBytes(_ path: String) -> [UInt8] {
    [UInt8](FileManager.default.contents(atPath: path) ?? Data())
}

enum RawPNG {
    /// PNG bytes for raw scanlines (filter byte 0 is added here).
    static func encode(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, rows: [[UInt8]],
                       palette: [UInt8]? = nil, transparency: [UInt8]? = nil) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        chunk(&out, "IHDR", be32(UInt32(width)) + be32(UInt32(height)) + [bitDepth, colorType, 0, 0, 0])
        if let palette { chunk(&out, "PLTE", palette) }
        if let transparency { chunk(&out, "tRNS", transparency) }
        let raw: [UInt8] = rows.flatMap { [UInt8(0)] + $0 }
        chunk(&out, "IDAT", zlibStored(raw))
        chunk(&out, "IEND", [])
        return out
    }

    private static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    private static func chunk(_ out: inout [UInt8], _ type: String, _ data: [UInt8]) {
        let typed = Array(type.utf8) + data
        out += be32(UInt32(data.count)) + typed + be32(crc32(typed))
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// zlib stream of stored (uncompressed) blocks of at most 65535 bytes.
    private static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {
            let end = min(start + 65535, data.count)
            let n = UInt16(end - start)
            out += [end == data.count ? 1 : 0, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8)]
            out += data[start..<end]
            start = end
        } while start < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        out += be32((b << 16) | a)
        return out
    }
}
