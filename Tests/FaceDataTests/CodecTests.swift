// Codecs: round trips through PNG, JPEG and TIFF; the PNG layouts (16-bit, gray+alpha, RGBA,
// palette) decoded to the values written; damaged, truncated, empty and misnamed files give thrown
// errors that name the file.

import FaceData
import Foundation
import TestSupport
import Testing

@Test func pngRoundTripIsExactForGrayAndRGB() throws {
    let folder = try TemporaryFolder()
    for channels in [1, 3] {
        let image = patternImage(width: 7, height: 5, channels: channels)
        let path = try folder.file("round-\(channels).png")
        try image.writePNG(to: path)
        let decoded = try Image(contentsOf: path)
        #expect(decoded == image)
    }
}

@Test func jpegAndTIFFRoundTrips() throws {
    let folder = try TemporaryFolder()
    var smooth = Image(width: 16, height: 16, channels: 3)
    for c in 0..<3 { for y in 0..<16 { for x in 0..<16 { smooth[c, y, x] = Float(x + y + c * 4) / 40 } } }
    let jpeg = try folder.file("a.jpeg")
    try smooth.writeJPEG(to: jpeg, quality: 100)
    let fromJPEG = try Image(contentsOf: jpeg)
    #expect(fromJPEG.channels == 3 && fromJPEG.width == 16 && fromJPEG.height == 16)
    #expect(zip(fromJPEG.pixels, smooth.pixels).allSatisfy { abs($0 - $1) < 0.04 })

    let gray = patternImage(width: 9, height: 4, channels: 1)
    let tiff = try folder.file("a.tiff")
    try gray.writeTIFF(to: tiff)
    #expect(try Image(contentsOf: tiff) == gray)
    let rgb = patternImage(width: 3, height: 6, channels: 3)
    try rgb.writeTIFF(to: tiff)
    #expect(try Image(contentsOf: tiff) == rgb)
}

@Test func pngLayoutsDecodeToTheirValues() throws {
    let folder = try TemporaryFolder()
    // 16-bit gray: 0, 65535, 32768.
    let gray16 = try folder.write("g16.png", bytes: RawPNG.encode(width: 3, height: 1, bitDepth: 16, colorType: 0,
                                                                   rows: [[0, 0, 255, 255, 128, 0]]))
    #expect(try Image(contentsOf: gray16).pixels == [0, 1, Float(32768) / 65535])
    // Gray + alpha: alpha dropped.
    let grayAlpha = try folder.write("ga.png", bytes: RawPNG.encode(width: 2, height: 1, bitDepth: 8, colorType: 4,
                                                                     rows: [[51, 0, 204, 255]]))
    let ga = try Image(contentsOf: grayAlpha)
    #expect(ga.channels == 1 && ga.pixels == [0.2, 0.8])
    // RGBA: alpha dropped, 3 channels planar.
    let rgba = try folder.write("rgba.png", bytes: RawPNG.encode(width: 2, height: 1, bitDepth: 8, colorType: 6,
                                                                  rows: [[255, 0, 51, 7, 0, 255, 102, 9]]))
    let rgbaImage = try Image(contentsOf: rgba)
    #expect(rgbaImage.channels == 3 && rgbaImage.pixels == [1, 0, 0, 1, 0.2, 0.4])
    // 16-bit RGB.
    let rgb16 = try folder.write("rgb16.png", bytes: RawPNG.encode(width: 1, height: 1, bitDepth: 16, colorType: 2,
                                                                    rows: [[255, 255, 0, 0, 0, 0]]))
    #expect(try Image(contentsOf: rgb16).pixels == [1, 0, 0])
    // Palette (with a transparency entry, dropped): indices 1, 0 over a two-colour palette.
    let palette = try folder.write("p.png", bytes: RawPNG.encode(width: 2, height: 1, bitDepth: 8, colorType: 3,
                                                                  rows: [[1, 0]], palette: [0, 0, 255, 255, 51, 0],
                                                                  transparency: [128]))
    let p = try Image(contentsOf: palette)
    #expect(p.channels == 3 && p.pixels == [1, 0, 0.2, 0, 0, 1])
    // 1-bit gray expands to 0 and 1.
    let bits = try folder.write("b.png", bytes: RawPNG.encode(width: 4, height: 1, bitDepth: 1, colorType: 0,
                                                               rows: [[0b1010_0000]]))
    #expect(try Image(contentsOf: bits).pixels == [1, 0, 1, 0])
}

@Test func damagedFilesAreErrorsNamingTheFile() throws {
    let folder = try TemporaryFolder()
    let good = patternImage(width: 32, height: 32, channels: 3)
    let png = try folder.file("good.png"), jpeg = try folder.file("good.jpg"), tiff = try folder.file("good.tiff")
    try good.writePNG(to: png)
    try good.writeJPEG(to: jpeg)
    try good.writeTIFF(to: tiff)

    var broken: [String] = []
    for source in [png, jpeg, tiff] {
        let bytes = readBytes(source)
        let name = (source as NSString).lastPathComponent
        broken.append(try folder.write("truncated-" + name, bytes: Array(bytes.prefix(bytes.count / 2))))
        broken.append(try folder.write("header-only-" + name, bytes: Array(bytes.prefix(12))))
        var flipped = bytes
        for i in stride(from: bytes.count / 3, to: bytes.count / 3 + 40, by: 1) { flipped[i] ^= 0x5A }
        if source != tiff { broken.append(try folder.write("corrupt-" + name, bytes: flipped)) }
    }
    broken.append(try folder.write("empty.png", bytes: []))
    broken.append(try folder.write("text.png", text: "this is not an image\n"))
    broken.append((folder.path as NSString).appendingPathComponent("missing.png"))
    for path in broken {
        do {
            _ = try Image(contentsOf: path)
            Issue.record("\(path) decoded without an error")
        } catch let error as DataError {
            guard case let .cannotDecode(errorPath, reason) = error else {
                Issue.record("unexpected error \(error)")
                continue
            }
            #expect(errorPath == path)
            #expect(!reason.isEmpty && !reason.contains("cannot create"), "\(path): \(reason)")
            #expect(error.description.contains(path))
        }
    }
}

@Test func misnamedFilesDecodeByContent() throws {
    let folder = try TemporaryFolder()
    let image = patternImage(width: 5, height: 5, channels: 1)
    let path = try folder.file("really-a-png.jpg")
    try image.writePNG(to: path)
    #expect(try Image(contentsOf: path) == image)
}

@Test func encodingToAMissingFolderIsAnError() throws {
    let image = patternImage(width: 2, height: 2, channels: 1)
    #expect(throws: DataError.self) { try image.writePNG(to: "/nonexistent-folder-\(UUID())/a.png") }
}
