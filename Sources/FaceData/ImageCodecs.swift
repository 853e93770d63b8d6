// Image files: decoding (PNG 8/16-bit gray, gray+alpha, RGB, RGBA, palette; JPEG; TIFF) and PNG
// encoding (gray and RGB) through the C target CImageCodecs, which catches every library error.
// The only Swift file that imports CImageCodecs. The codec is chosen from the file's first bytes.

import CImageCodecs

extension Image {
    /// Decodes an image file. Alpha is dropped; gray files give 1 channel, colour files 3.
    /// Throws `DataError.cannotDecode` naming the file when it is missing, empty, truncated,
    /// damaged or not an image.
    public init(contentsOf path: String) throws {
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
        var message = [CChar](repeating: 0, count: 512)
        let status = pixels.withUnsafeBufferPointer { buffer in
            ic_encode_png(path, buffer.baseAddress, Int32(width), Int32(height), Int32(channels),
                          &message, message.count)
        }
        guard status == 0 else { throw DataError.cannotEncode(path: path, reason: Self.string(message)) }
    }

    private static func string(_ message: [CChar]) -> String {
        let bytes = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
