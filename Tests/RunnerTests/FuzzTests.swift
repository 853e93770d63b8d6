// The fuzz test of everything `exp` reads from files it did not just write: the PNG, JPEG and TIFF
// decoders and the checkpoint reader (with the networks a checkpoint describes). Seeded mutations
// of valid files (bit flips, interesting bytes, truncations, cut and repeated ranges, header
// bytes) and forgeries that keep the file's own checks valid (PNG chunks with their CRC
// recomputed, checkpoints with their checksum recomputed or their metadata and shapes rewritten
// through the encoder) go through `exp data check` in child processes, so a crash is counted,
// not fatal. Every file must be reported `ok` or `error` by a process that exits 0 or 1; a
// checkpoint that is accepted must predict finite probabilities.
//
// EXP_FUZZ_CASES (per format, default 150) and EXP_FUZZ_SEED (default 1) size it; `make fuzz
// CASES=2000` runs it by hand. It prints the counts per format.

import FaceData
import Foundation
import NN
import Runner
import Testing

private let formats = ["png", "jpeg", "tiff", "checkpoint"]

/// FNV-1a, 64-bit: the checkpoint checksum (NN's own is internal).
private func fnv1a(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes {
        h ^= UInt64(b)
        h &*= 0x0000_0100_0000_01B3
    }
    return h
}

/// CRC-32 (PNG chunks: ISO 3309, reflected, polynomial 0xEDB88320).
private func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }
    return c ^ 0xFFFF_FFFF
}

private let interestingBytes: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE, 0x10, 0x40]
private let interestingWords: [UInt32] = [0, 1, 2, 0x7F, 0xFF, 0xFFFF, 0x10000, 100_000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF]

private struct Mutator {
    var g: SeededGenerator

    mutating func below(_ n: Int) -> Int { g.int(below: max(1, n)) }

    /// A blind mutation of any file.
    mutating func blind(_ bytes: [UInt8]) -> ([UInt8], String) {
        var b = bytes
        guard !b.isEmpty else { return (b, "empty") }
        switch below(6) {
        case 0:
            let flips = 1 + below(8)
            for _ in 0..<flips { b[below(b.count)] ^= UInt8(1) << UInt8(below(8)) }
            return (b, "\(flips) bit flip(s)")
        case 1:
            for _ in 0..<(1 + below(4)) { b[below(b.count)] = interestingBytes[below(interestingBytes.count)] }
            return (b, "interesting bytes")
        case 2:
            let n = below(b.count)
            return (Array(b.prefix(n)), "truncated to \(n) bytes")
        case 3:
            let start = below(b.count), length = 1 + below(min(64, b.count - start))
            b.removeSubrange(start..<min(b.count, start + length))
            return (b, "cut \(length) bytes at \(start)")
        case 4:
            let start = below(b.count), length = 1 + below(min(64, b.count - start))
            b.insert(contentsOf: b[start..<min(b.count, start + length)], at: start)
            return (b, "repeated \(length) bytes at \(start)")
        default:
            for _ in 0..<(1 + below(3)) { b[below(min(64, b.count))] = interestingBytes[below(interestingBytes.count)] }
            return (b, "header bytes")
        }
    }

    /// A PNG chunk's data changed (IHDR's width, height, depth or colour type half the time) and
    /// its CRC recomputed, so libpng's checksum test passes.
    mutating func forgePNG(_ bytes: [UInt8]) -> ([UInt8], String) {
        var chunks: [(start: Int, length: Int, type: String)] = []
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) })
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            guard offset + 12 + length <= bytes.count else { break }
            chunks.append((offset, length, type))
            offset += 12 + length
        }
        guard !chunks.isEmpty else { return blind(bytes) }
        var b = bytes
        let chunk = below(2) == 0 ? chunks[0] : chunks[below(chunks.count)]
        let data = chunk.start + 8
        var what: String
        if chunk.type == "IHDR" && chunk.length >= 13 {
            let field = below(4)
            switch field {
            case 0, 1:
                let v = interestingWords[below(interestingWords.count)]
                for i in 0..<4 { b[data + 4 * field + i] = UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32(i))) }
                what = "IHDR \(field == 0 ? "width" : "height") \(v)"
            case 2:
                b[data + 8] = interestingBytes[below(interestingBytes.count)] & 0x1F
                what = "IHDR bit depth \(b[data + 8])"
            default:
                b[data + 9] = UInt8(below(8))
                what = "IHDR colour type \(b[data + 9])"
            }
        } else if chunk.length > 0 {
            for _ in 0..<(1 + below(4)) { b[data + below(chunk.length)] = UInt8(below(256)) }
            what = "\(chunk.type) data"
        } else {
            return blind(bytes)
        }
        let crc = crc32(b[chunk.start + 4..<data + chunk.length])
        for i in 0..<4 { b[data + chunk.length + i] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(i))) }
        return (b, "forged PNG: \(what), CRC valid")
    }

    /// A checkpoint changed with its checksum kept valid: bytes of its body changed and the
    /// checksum recomputed, a number in its metadata (the network configuration, the prediction
    /// setup) replaced, or a tensor's shape rewritten, through the encoder.
    mutating func forgeCheckpoint(_ bytes: [UInt8]) -> ([UInt8], String) {
        switch below(3) {
        case 0:
            var (b, what) = blind(Array(bytes.dropLast(8)))
            guard b.count >= 8 else { return (b, what) }
            let sum = fnv1a(b[...])
            withUnsafeBytes(of: sum.littleEndian) { b.append(contentsOf: $0) }
            what += ", checksum recomputed"
            return (b, what)
        case 1:
            guard var c = try? Checkpoint.decode(bytes, path: "seed") else { return blind(bytes) }
            let keys = c.metadata.keys.sorted().filter { key in c.metadata[key]!.contains { $0.isNumber } }
            guard !keys.isEmpty else { return blind(bytes) }
            let key = keys[below(keys.count)]
            let text = c.metadata[key]!
            // Replace the k-th number in the value.
            let regex = try! NSRegularExpression(pattern: "-?[0-9]+(\\.[0-9]+)?(e-?[0-9]+)?")
            let matches = regex.matches(in: text, range: NSRange(text.startIndex..., in: text))
            guard !matches.isEmpty else { return blind(bytes) }
            let m = matches[below(matches.count)]
            let replacements = ["0", "-1", "1", "3", "100000", "1000000000", "2147483647", "9223372036854775807", "1e300", "0.5", "-0"]
            let new = replacements[below(replacements.count)]
            let range = Range(m.range, in: text)!
            c.metadata[key] = text.replacingCharacters(in: range, with: new)
            return (c.encoded(), "forged checkpoint: '\(key)' number \(text[range]) -> \(new), checksum valid")
        default:
            guard var c = try? Checkpoint.decode(bytes, path: "seed"), !c.tensors.isEmpty else { return blind(bytes) }
            let i = below(c.tensors.count)
            var shape = c.tensors[i].tensor.shape
            guard !shape.isEmpty else { return blind(bytes) }
            let scalars = c.tensors[i].tensor.scalars
            // A shape with the same element count (swapped or regrouped dimensions), or one
            // dimension changed with values to match.
            if below(2) == 0, shape.count >= 2 {
                shape.swapAt(0, shape.count - 1)
                if shape == c.tensors[i].tensor.shape { shape = [scalars.count] }
                c.tensors[i].tensor = Tensor(shape: shape, scalars: scalars)
            } else {
                let d = below(shape.count)
                shape[d] = [0, 1, shape[d] + 1, max(0, shape[d] - 1)][below(4)]
                let count = shape.reduce(1, *)
                c.tensors[i].tensor = Tensor(shape: shape, scalars: (0..<count).map { scalars.isEmpty ? 0 : scalars[$0 % scalars.count] })
            }
            return (c.encoded(), "forged checkpoint: tensor '\(c.tensors[i].name)' shape \(shape), checksum valid")
        }
    }
}

private struct Outcome {
    var ok = 0
    var refused = 0
    var crashes: [String] = []
}

/// Runs `exp` with `arguments`; returns (terminated normally, exit status, stdout), killing it after `seconds`.
private func runChecked(_ arguments: [String], seconds: Double = 120) throws -> (normal: Bool, status: Int32, output: String) {
    let run = try runCapturing(expExecutable, arguments, timeout: seconds)
    return (run.normal, run.status, run.out)
}

@Test func fuzzedImagesAndCheckpointsNeverCrashExp() throws {
    let env = ProcessInfo.processInfo.environment
    let cases = env["EXP_FUZZ_CASES"].flatMap(Int.init) ?? 150
    let seed = env["EXP_FUZZ_SEED"].flatMap(UInt64.init) ?? 1
    let folder = temporaryFolder("fuzz")
    defer { try? FileManager.default.removeItem(atPath: folder) }

    // Seeds: a gray and an RGB image in each format, and checkpoints of both models.
    var seeds: [String: [[UInt8]]] = [:]
    for channels in [1, 3] {
        let (w, h) = (37, 29)
        let pixels = (0..<(w * h * channels)).map { i in Float((i * 37 + i / w * 11) % 256) / 255 }
        let image = Image(width: w, height: h, channels: channels, pixels: pixels)
        for format in ["png", "jpeg", "tiff"] {
            let path = (folder as NSString).appendingPathComponent("seed-\(channels).\(format)")
            switch format {
            case "png": try image.writePNG(to: path)
            case "jpeg": try image.writeJPEG(to: path)
            default: try image.writeTIFF(to: path)
            }
            seeds[format, default: []].append([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        }
    }
    let spec = try tinySpec(in: folder, epochs: 1)
    let results = (folder as NSString).appendingPathComponent("results")
    let run = try runExp(["run", spec, "--results", results, "--jobs", "2"])
    run.waitUntilExit()
    #expect(run.terminationStatus == 0)
    let checkpointRoot = (results as NSString).appendingPathComponent("checkpoints")
    let hash = try FileManager.default.contentsOfDirectory(atPath: checkpointRoot)[0]
    let checkpointFolder = (checkpointRoot as NSString).appendingPathComponent(hash)
    let checkpoints = try FileManager.default.contentsOfDirectory(atPath: checkpointFolder).filter { $0.hasSuffix(".ckpt") }.sorted()
        .map { (checkpointFolder as NSString).appendingPathComponent($0) }
    seeds["checkpoint"] = try checkpoints.map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
    #expect(seeds["checkpoint"]?.count == 4)
    let probe = (folder as NSString).appendingPathComponent("seed-1.png")

    // The seeds themselves are all usable.
    let seedCheck = try runChecked(["data", "check", probe] + checkpoints)
    #expect(seedCheck.normal && seedCheck.status == 0, "\(seedCheck.output)")

    var mutator = Mutator(g: SeededGenerator(seed: seed))
    let casesFolder = (folder as NSString).appendingPathComponent("cases")
    try FileManager.default.createDirectory(atPath: casesFolder, withIntermediateDirectories: true)
    var outcomes: [String: Outcome] = [:]
    // Files that crashed or hung are kept here for a person to reproduce; the others are deleted
    // batch by batch, so the disk holds one batch at a time (checkpoints are megabytes each).
    let kept = expExecutable.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("test-artifacts/fuzz-crashes")
    for format in formats {
        var outcome = Outcome()
        for first in stride(from: 0, to: cases, by: 25) {
            var batch: [(path: String, what: String)] = []
            for i in first..<min(cases, first + 25) {
                let base = seeds[format]![i % seeds[format]!.count]
                let forged = mutator.below(2) == 0
                let (bytes, what) = switch (format, forged) {
                case ("png", true): mutator.forgePNG(base)
                case ("checkpoint", true): mutator.forgeCheckpoint(base)
                default: mutator.blind(base)
                }
                let path = (casesFolder as NSString).appendingPathComponent("\(format)-\(i).\(format == "checkpoint" ? "ckpt" : format)")
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                batch.append((path, what))
            }
            var accepted: [String] = []
            var crashed: Set<String> = []
            var result = try runChecked(["data", "check"] + batch.map(\.path))
            let lines = result.output.split(separator: "\n")
            let complete = result.normal && (result.status == 0 || result.status == 1)
                && batch.allSatisfy { f in lines.contains { $0.hasPrefix("ok     \(f.path):") || $0.hasPrefix("error  \(f.path):") } }
            if complete {
                for f in batch {
                    if lines.contains(where: { $0.hasPrefix("ok     \(f.path):") }) { outcome.ok += 1; accepted.append(f.path) } else { outcome.refused += 1 }
                }
            } else {
                // Something in the batch crashed or hung: each file alone, to count them.
                for f in batch {
                    result = try runChecked(["data", "check", f.path], seconds: 60)
                    if !result.normal || !(result.status == 0 || result.status == 1) {
                        outcome.crashes.append("\(f.path) (\(f.what)): \(result.normal ? "exit \(result.status)" : "killed by signal \(result.status)") \(result.output.suffix(200))")
                        crashed.insert(f.path)
                    } else if result.status == 0 {
                        outcome.ok += 1
                        accepted.append(f.path)
                    } else {
                        outcome.refused += 1
                    }
                }
            }
            // An accepted checkpoint predicts finite probabilities, or says why it cannot.
            if format == "checkpoint" {
                for path in accepted {
                    let result = try runChecked(["predict", "--checkpoint", path, "--format", "json", probe], seconds: 60)
                    if !result.normal || !(result.status == 0 || result.status == 1) {
                        outcome.crashes.append("\(path): exp predict \(result.normal ? "exit \(result.status)" : "killed by signal \(result.status)")")
                        crashed.insert(path)
                    } else if result.status == 0 {
                        let json = try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
                        let rows = json?["predictions"] as? [[String: Any]] ?? []
                        let probabilities = rows.flatMap { ($0["probabilities"] as? [String: Double] ?? [:]).values }
                        if rows.count != 1 || probabilities.isEmpty || !probabilities.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) {
                            outcome.crashes.append("\(path): exp predict printed no finite probabilities: \(result.output.prefix(300))")
                            crashed.insert(path)
                        }
                    }
                }
            }
            for f in batch {
                if crashed.contains(f.path) {
                    try? FileManager.default.createDirectory(at: kept, withIntermediateDirectories: true)
                    try? FileManager.default.copyItem(atPath: f.path, toPath: kept.appendingPathComponent((f.path as NSString).lastPathComponent).path)
                }
                try? FileManager.default.removeItem(atPath: f.path)
            }
        }
        outcomes[format] = outcome
        print("fuzz \(format): \(cases) cases (seed \(seed)): \(outcome.ok) read, \(outcome.refused) refused with a message, \(outcome.crashes.count) crashed or hung")
        #expect(outcome.crashes.isEmpty, "\(format): \(outcome.crashes.prefix(5)); the files are kept in \(kept.path)")
        #expect(outcome.ok + outcome.refused + outcome.crashes.count >= cases)
    }
    // The mutations reach past the first check: some files are still read, most are refused.
    #expect(formats.allSatisfy { (outcomes[$0]?.refused ?? 0) > 0 })
}
