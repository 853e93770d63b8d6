// Synthetic dataset trees and the PNG files they hold: the files decode back to the drawn pixels
// (through a small test-side inflater), and each layout has the paths, labels and subjects it promises.

import FaceData
import Foundation
import Testing

private func temporaryDirectory(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "exp-synth-\(name)-\(ProcessInfo.processInfo.processIdentifier)"
    try? FileManager.default.removeItem(atPath: path)
    return path
}

private func files(under root: String, ending suffix: String) -> [String] {
    let all = FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []
    return all.filter { $0.hasSuffix(suffix) }.sorted()
}

@Test func pngFilesDecodeToTheDrawnPixels() throws {
    let dir = temporaryDirectory("png")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let gray = SyntheticHumans(subjects: 1, seed: 3, size: 40).record(subject: 0, sequence: 3, frame: 0).image
    let rgb = SyntheticCharacters(seed: 3, size: 40).record(character: 1, label: .surprise, index: 0).image
    for (name, image) in [("gray", gray), ("rgb", rgb)] {
        let path = "\(dir)/\(name).png"
        try writeSyntheticPNG(image, to: path)
        let decoded = try #require(PNGCheck.decode(Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
        #expect(decoded.width == image.width && decoded.height == image.height && decoded.channels == image.channels)
        let expected = (0..<image.height * image.width * image.channels).map { i -> UInt8 in
            let pixel = i / image.channels, c = i % image.channels
            let v = image.pixels[c * image.width * image.height + pixel]
            return UInt8(max(0, min(255, (v * 255).rounded())))
        }
        #expect(decoded.bytes == expected)
    }
    // A flat cartoon image compresses well below its raw size.
    let size = try FileManager.default.attributesOfItem(atPath: "\(dir)/rgb.png")[.size] as! Int
    #expect(size < 40 * 40 * 3 * 6 / 10)
    #expect(throws: SyntheticWriteError.self) { try writeSyntheticPNG(gray, to: "\(dir)/missing/folder/x.png") }
}

@Test func ckplusTreeHasFramesEmotionsAndLandmarks() throws {
    let root = temporaryDirectory("ckplus")
    defer { try? FileManager.default.removeItem(atPath: root) }
    let summary = try SyntheticLayouts.write(.ckplus, subjects: 2, seed: 5, size: 48, to: root)
    #expect(summary == SyntheticTreeSummary(images: 2 * 6 * 8, sequences: 12, subjects: 2))
    let images = files(under: "\(root)/cohn-kanade-images", ending: ".png")
    #expect(images.count == 96)
    #expect(images.first == "S001/001/S001_001_00000001.png")
    let emotions = files(under: "\(root)/Emotion", ending: "_emotion.txt")
    #expect(emotions.count == 12)
    #expect(emotions.first == "S001/001/S001_001_00000008_emotion.txt")
    // Sequences cycle through anger, disgust, fear, happiness, sadness, surprise: CK+ codes 1 3 4 5 6 7.
    var codes = [String]()
    for e in emotions where e.hasPrefix("S002") {
        codes.append(try String(contentsOfFile: "\(root)/Emotion/\(e)", encoding: .utf8))
    }
    #expect(codes == ["   1.0000000e+00\n", "   3.0000000e+00\n", "   4.0000000e+00\n", "   5.0000000e+00\n",
                      "   6.0000000e+00\n", "   7.0000000e+00\n"])
    let landmarks = files(under: "\(root)/Landmarks", ending: "_landmarks.txt")
    #expect(landmarks.count == 96)
    let text = try String(contentsOfFile: "\(root)/Landmarks/\(landmarks[0])", encoding: .utf8)
    let lines = text.split(separator: "\n")
    #expect(lines.count == 68)
    let pattern = try Regex(#"^   [0-9]\.[0-9]{7}e[+-][0-9]{2}   [0-9]\.[0-9]{7}e[+-][0-9]{2}$"#)
    #expect(lines.allSatisfy { $0.wholeMatch(of: pattern) != nil })
    let values = lines.flatMap { $0.split(separator: " ").compactMap { Float($0) } }
    #expect(values.count == 136 && values.allSatisfy { $0 > 0 && $0 < 48 })
}

@Test func folderTreeMatchesItsIndex() throws {
    let root = temporaryDirectory("folder")
    defer { try? FileManager.default.removeItem(atPath: root) }
    let summary = try SyntheticLayouts.write(.folder, subjects: 3, seed: 5, size: 32, to: root)
    #expect(summary.images == 3 * 7 * 3)
    let index = try String(contentsOfFile: "\(root)/index.csv", encoding: .utf8).split(separator: "\n")
    #expect(index.first == "path,label,subject,sequence,frame")
    let rows = index.dropFirst().map { $0.split(separator: ",").map(String.init) }
    #expect(rows.count == 63)
    for row in rows {
        #expect(row[0].hasPrefix(row[1] + "/" + row[2] + "_" + row[3] + "_"))
        #expect(FileManager.default.fileExists(atPath: "\(root)/\(row[0])"))
    }
    #expect(Set(rows.map { $0[1] }) == ["anger", "disgust", "fear", "happy", "sadness", "surprise", "neutral"])
    #expect(Set(rows.map { $0[2] }) == ["S001", "S002", "S003"])
}

@Test func mmiTreeHasSessionsWithTheApexInTheMiddle() throws {
    let root = temporaryDirectory("mmi")
    defer { try? FileManager.default.removeItem(atPath: root) }
    try SyntheticLayouts.write(.mmi, subjects: 1, seed: 2, size: 32, to: root)
    let labels = try String(contentsOfFile: "\(root)/labels.csv", encoding: .utf8).split(separator: "\n")
    #expect(labels.count == 7)
    #expect(labels[1] == "1,S001,anger,9")
    let frames = files(under: "\(root)/Sessions/6", ending: ".png")
    #expect(frames == (1...9).map { String(format: "frames/%04d.png", $0) })
    // Onset and offset mirror each other around the apex.
    let first = try Data(contentsOf: URL(fileURLWithPath: "\(root)/Sessions/6/frames/0001.png"))
    let last = try Data(contentsOf: URL(fileURLWithPath: "\(root)/Sessions/6/frames/0009.png"))
    let apex = try Data(contentsOf: URL(fileURLWithPath: "\(root)/Sessions/6/frames/0005.png"))
    #expect(first == last && first != apex)
}

@Test func fergTreeHasCharactersExpressionsAndRigs() throws {
    let root = temporaryDirectory("ferg")
    defer { try? FileManager.default.removeItem(atPath: root) }
    try SyntheticLayouts.write(.ferg, subjects: 2, seed: 2, size: 32, to: root)
    for character in SyntheticCharacter.all {
        let images = files(under: "\(root)/\(character.name)", ending: ".png")
        #expect(images.count == 14)
        #expect(images.contains("\(character.name)_joy/\(character.name)_joy_2.png"))
        let rig = try String(contentsOfFile: "\(root)/\(character.name)/rig.csv", encoding: .utf8).split(separator: "\n")
        #expect(rig[0].hasPrefix("file,expression,AU1,AU2,AU4,"))
        #expect(rig.count == 15)
        let joy = try #require(rig.first { $0.hasPrefix("\(character.name)_joy/") }).split(separator: ",")
        // Happiness is AU6 + AU12: columns 2 + index of AU6 (4) and AU12 (8).
        #expect(joy[6] == "1.0000" && joy[10] == "1.0000" && joy[2] == "0.0000")
    }
}

@Test func jpegAndTiffLayoutsSayWhatTheyNeed() {
    #expect(throws: SyntheticWriteError.layoutNeedsCodec(layout: "oulu", format: "JPEG")) {
        try SyntheticLayouts.write(.oulu, subjects: 1, seed: 1, size: 32, to: temporaryDirectory("oulu"))
    }
    #expect(throws: SyntheticWriteError.layoutNeedsCodec(layout: "jaffe", format: "TIFF")) {
        try SyntheticLayouts.write(.jaffe, subjects: 1, seed: 1, size: 32, to: temporaryDirectory("jaffe"))
    }
}

/// A minimal PNG reader for the encoder's output: 8-bit gray or RGB, zlib with stored or fixed-
/// Huffman deflate blocks, filters None, Sub, Up, Average and Paeth; CRCs checked.
private enum PNGCheck {
    struct Decoded {
        var width: Int, height: Int, channels: Int, bytes: [UInt8]
    }

    static func decode(_ file: [UInt8]) -> Decoded? {
        guard file.count > 8, Array(file[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        var i = 8, width = 0, height = 0, channels = 0
        var idat = [UInt8]()
        while i + 12 <= file.count {
            let n = Int(be32(file, i))
            let type = String(decoding: file[(i + 4)..<(i + 8)], as: UTF8.self)
            let body = Array(file[(i + 4)..<(i + 8 + n)])
            guard crc32(body) == be32(file, i + 8 + n) else { return nil }
            let data = Array(body.dropFirst(4))
            if type == "IHDR" {
                width = Int(be32(data, 0))
                height = Int(be32(data, 4))
                guard data[8] == 8 else { return nil }
                channels = data[9] == 0 ? 1 : data[9] == 2 ? 3 : 0
            } else if type == "IDAT" {
                idat += data
            }
            i += 12 + n
        }
        guard channels > 0, idat.count > 6, let raw = inflate(Array(idat[2..<(idat.count - 4)])) else { return nil }
        guard adler32(raw) == be32(idat, idat.count - 4) else { return nil }
        let stride = width * channels
        guard raw.count == (stride + 1) * height else { return nil }
        var out = [UInt8](repeating: 0, count: stride * height)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            for x in 0..<stride {
                let v = raw[y * (stride + 1) + 1 + x]
                let a = x >= channels ? Int(out[y * stride + x - channels]) : 0
                let b = y > 0 ? Int(out[(y - 1) * stride + x]) : 0
                let c = x >= channels && y > 0 ? Int(out[(y - 1) * stride + x - channels]) : 0
                let pred: Int
                switch filter {
                case 0: pred = 0
                case 1: pred = a
                case 2: pred = b
                case 3: pred = (a + b) / 2
                default:
                    let p = a + b - c
                    let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                }
                out[y * stride + x] = v &+ UInt8(pred)
            }
        }
        return Decoded(width: width, height: height, channels: channels, bytes: out)
    }

    static func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
                             131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
                               1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12,
                                12, 13, 13]

    static func inflate(_ data: [UInt8]) -> [UInt8]? {
        var pos = 0
        func bit() -> Int? {
            guard pos / 8 < data.count else { return nil }
            defer { pos += 1 }
            return Int(data[pos / 8] >> UInt8(pos % 8)) & 1
        }
        func bits(_ n: Int) -> Int? {
            var v = 0
            for k in 0..<n {
                guard let b = bit() else { return nil }
                v |= b << k
            }
            return v
        }
        func code(_ n: Int) -> Int? {
            var v = 0
            for _ in 0..<n {
                guard let b = bit() else { return nil }
                v = v << 1 | b
            }
            return v
        }
        var out = [UInt8]()
        var final = 0
        repeat {
            guard let f = bits(1), let type = bits(2) else { return nil }
            final = f
            if type == 0 {
                pos = (pos + 7) / 8 * 8
                guard let len = bits(16), bits(16) != nil else { return nil }
                for _ in 0..<len {
                    guard let b = bits(8) else { return nil }
                    out.append(UInt8(b))
                }
                continue
            }
            guard type == 1 else { return nil }
            while true {
                guard var c = code(7) else { return nil }
                var symbol: Int
                if c <= 0x17 {
                    symbol = 256 + c
                } else {
                    guard let b = bit() else { return nil }
                    c = c << 1 | b
                    if c >= 0x30 && c <= 0xBF {
                        symbol = c - 0x30
                    } else if c >= 0xC0 && c <= 0xC7 {
                        symbol = 280 + c - 0xC0
                    } else {
                        guard let b2 = bit() else { return nil }
                        symbol = 144 + (c << 1 | b2) - 0x190
                    }
                }
                if symbol < 256 {
                    out.append(UInt8(symbol))
                } else if symbol == 256 {
                    break
                } else {
                    let li = symbol - 257
                    guard li < 29, let le = bits(lengthExtra[li]), let di = code(5), di < 30,
                          let de = bits(distanceExtra[di]) else { return nil }
                    let length = lengthBase[li] + le, distance = distanceBase[di] + de
                    guard distance <= out.count else { return nil }
                    for _ in 0..<length { out.append(out[out.count - distance]) }
                }
            }
        } while final == 0
        return out
    }
}
