// SheetPNG: a minimal PNG encoder (8-bit gray or RGB) private to the synthetic generator, so the
// contact sheet and the synthetic layouts can be written before the shared codecs exist.
// Deflate with fixed Huffman codes and a hash-chain LZ77 matcher (RFC 1951), zlib framing with
// Adler-32 (RFC 1950), PNG chunks with CRC-32 and per-row adaptive filtering (PNG spec 1.2, 12.8).

enum SheetPNG {
    /// The PNG file bytes of `image` (values clamped to [0, 1], rounded to 8 bits).
    static func encode(_ image: Image) -> [UInt8] {
        let w = image.width, h = image.height, c = image.channels
        let plane = w * h
        var raw = [UInt8](repeating: 0, count: plane * c)
        for y in 0..<h {
            for x in 0..<w {
                for ch in 0..<c {
                    let v = image.pixels[ch * plane + y * w + x]
                    raw[(y * w + x) * c + ch] = UInt8(max(0, min(255, (v * 255).rounded())))
                }
            }
        }
        let filtered = filter(raw, width: w, height: h, bytesPerPixel: c)
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = [UInt8]()
        append32(&header, UInt32(w))
        append32(&header, UInt32(h))
        header += [8, c == 1 ? 0 : 2, 0, 0, 0]
        chunk(&out, "IHDR", header)
        chunk(&out, "IDAT", zlib(filtered))
        chunk(&out, "IEND", [])
        return out
    }

    // MARK: PNG

    /// Prefixes each row with the filter (None, Sub, Up, Paeth) whose output has the smallest
    /// sum of absolute values, the usual heuristic.
    private static func filter(_ raw: [UInt8], width: Int, height: Int, bytesPerPixel bpp: Int) -> [UInt8] {
        let stride = width * bpp
        var out = [UInt8]()
        out.reserveCapacity((stride + 1) * height)
        var candidate = [UInt8](repeating: 0, count: stride)
        var best = [UInt8](repeating: 0, count: stride)
        for y in 0..<height {
            var bestScore = Int.max, bestType: UInt8 = 0
            for type: UInt8 in 0...4 where type != 3 {
                var score = 0
                for i in 0..<stride {
                    let x = raw[y * stride + i]
                    let a = i >= bpp ? raw[y * stride + i - bpp] : 0
                    let b = y > 0 ? raw[(y - 1) * stride + i] : 0
                    let cc = i >= bpp && y > 0 ? raw[(y - 1) * stride + i - bpp] : 0
                    let pred: UInt8
                    switch type {
                    case 1: pred = a
                    case 2: pred = b
                    case 4: pred = paeth(a, b, cc)
                    default: pred = 0
                    }
                    let v = x &- pred
                    candidate[i] = v
                    score += v < 128 ? Int(v) : 256 - Int(v)
                }
                if score < bestScore {
                    bestScore = score
                    bestType = type
                    swap(&best, &candidate)
                }
            }
            out.append(bestType)
            out += best
        }
        return out
    }

    private static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }

    private static func chunk(_ out: inout [UInt8], _ type: String, _ data: [UInt8]) {
        append32(&out, UInt32(data.count))
        let body = Array(type.utf8) + data
        out += body
        append32(&out, crc32(body))
    }

    private static func append32(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    // MARK: zlib / deflate

    static func zlib(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        out += deflateFixed(data)
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        append32(&out, (b << 16) | a)
        return out
    }

    private struct BitWriter {
        var bytes = [UInt8]()
        var buffer: UInt32 = 0
        var count: UInt32 = 0

        /// Writes `n` bits of `value`, least significant first.
        mutating func write(_ value: UInt32, _ n: UInt32) {
            buffer |= value << count
            count += n
            while count >= 8 {
                bytes.append(UInt8(buffer & 0xFF))
                buffer >>= 8
                count -= 8
            }
        }

        /// Writes a Huffman code, most significant bit first.
        mutating func writeCode(_ code: UInt32, _ n: UInt32) {
            var r: UInt32 = 0
            for i in 0..<n where code & (1 << i) != 0 { r |= 1 << (n - 1 - i) }
            write(r, n)
        }

        mutating func flush() -> [UInt8] {
            if count > 0 { bytes.append(UInt8(buffer & 0xFF)) }
            return bytes
        }
    }

    private static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                            67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra: [UInt32] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
                                                5, 5, 5, 5, 0]
    private static let distanceBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385,
                                              513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra: [UInt32] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9,
                                                  10, 10, 11, 11, 12, 12, 13, 13]

    private static func writeSymbol(_ w: inout BitWriter, _ symbol: Int) {
        switch symbol {
        case 0...143: w.writeCode(UInt32(0x30 + symbol), 8)
        case 144...255: w.writeCode(UInt32(0x190 + symbol - 144), 9)
        case 256...279: w.writeCode(UInt32(symbol - 256), 7)
        default: w.writeCode(UInt32(0xC0 + symbol - 280), 8)
        }
    }

    /// One final deflate block with the fixed Huffman codes.
    static func deflateFixed(_ data: [UInt8]) -> [UInt8] {
        var w = BitWriter()
        w.write(1, 1)
        w.write(1, 2)
        let n = data.count
        let window = 32768, hashSize = 1 << 15, maxChain = 24
        var head = [Int](repeating: -1, count: hashSize)
        var prev = [Int](repeating: -1, count: n)
        func hash(_ i: Int) -> Int {
            (Int(data[i]) << 10 ^ Int(data[i + 1]) << 5 ^ Int(data[i + 2])) & (hashSize - 1)
        }
        func insert(_ i: Int) {
            guard i + 2 < n else { return }
            let hv = hash(i)
            prev[i] = head[hv]
            head[hv] = i
        }
        var i = 0
        while i < n {
            var bestLength = 0, bestDistance = 0
            if i + 2 < n {
                var candidate = head[hash(i)]
                var chain = 0
                while candidate >= 0 && i - candidate <= window && chain < maxChain {
                    var l = 0
                    while l < 258 && i + l < n && data[candidate + l] == data[i + l] { l += 1 }
                    if l > bestLength {
                        bestLength = l
                        bestDistance = i - candidate
                        if l == 258 { break }
                    }
                    candidate = prev[candidate]
                    chain += 1
                }
            }
            if bestLength >= 3 {
                var code = lengthBase.count - 1
                while lengthBase[code] > bestLength { code -= 1 }
                writeSymbol(&w, 257 + code)
                w.write(UInt32(bestLength - lengthBase[code]), lengthExtra[code])
                var dcode = distanceBase.count - 1
                while distanceBase[dcode] > bestDistance { dcode -= 1 }
                w.writeCode(UInt32(dcode), 5)
                w.write(UInt32(bestDistance - distanceBase[dcode]), distanceExtra[dcode])
                for k in 0..<bestLength { insert(i + k) }
                i += bestLength
            } else {
                writeSymbol(&w, Int(data[i]))
                insert(i)
                i += 1
            }
        }
        writeSymbol(&w, 256)
        return w.flush()
    }
}
