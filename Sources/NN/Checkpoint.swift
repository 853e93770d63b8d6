// Checkpoint files: named tensors plus string metadata, with a magic number, a format version and a
// checksum, written atomically (temporary file in the same folder, then rename) so that a crash
// mid-write never leaves a half-written checkpoint under the real name.
//
// Layout (little-endian):
//   "EXPCKPT\0"  u32 version  u32 metadataBytes  metadata (UTF-8 JSON object of strings)
//   u32 tensorCount, then per tensor: u32 nameBytes, name (UTF-8), u32 rank, i64 dims[rank],
//   f32 scalars[prod(dims)]
//   u64 FNV-1a checksum of every byte before it

import Foundation

public struct NamedTensor: Equatable, Sendable {
    public var name: String
    public var tensor: Tensor
    public init(name: String, tensor: Tensor) {
        self.name = name
        self.tensor = tensor
    }
}

/// Errors about checkpoint files (user input): each names the file and the problem.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case notACheckpoint(path: String)
    case unsupportedVersion(path: String, found: UInt32, supported: UInt32)
    case truncated(path: String)
    case checksumMismatch(path: String)
    case malformed(path: String, reason: String)
    case missingTensor(path: String, name: String)
    case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
    case unexpectedTensors(path: String, names: [String])

    public var description: String {
        switch self {
        case .missing(let p): return "checkpoint \(p) does not exist"
        case .unreadable(let p, let r): return "cannot read checkpoint \(p): \(r)"
        case .unwritable(let p, let r): return "cannot write checkpoint \(p): \(r)"
        case .notACheckpoint(let p): return "\(p) is not an exp checkpoint (wrong magic number)"
        case .unsupportedVersion(let p, let f, let s):
            return "checkpoint \(p) has format version \(f); this exp reads version \(s). Use the exp version that wrote it, or retrain."
        case .truncated(let p): return "checkpoint \(p) is truncated (the write was interrupted?) and cannot be used; if `exp run` wrote it, delete it and that job starts again"
        case .checksumMismatch(let p): return "checkpoint \(p) is corrupted (checksum mismatch) and cannot be used; if `exp run` wrote it, delete it and that job starts again"
        case .malformed(let p, let r): return "checkpoint \(p) is malformed: \(r)"
        case .missingTensor(let p, let n): return "checkpoint \(p) has no tensor '\(n)': it was written by another model or architecture"
        case .shapeMismatch(let p, let n, let e, let f):
            return "checkpoint \(p): tensor '\(n)' has shape \(f), the model expects \(e): it was written by another architecture or spec"
        case .unexpectedTensors(let p, let names):
            return "checkpoint \(p) holds tensors this model does not have: \(names.prefix(5).joined(separator: ", "))\(names.count > 5 ? ", ..." : "")"
        }
    }
}

public struct Checkpoint: Equatable, Sendable {
    public static let magic: [UInt8] = Array("EXPCKPT\0".utf8)
    public static let version: UInt32 = 1

    public var tensors: [NamedTensor]
    public var metadata: [String: String]
    /// The file this checkpoint was read from (for error messages), if any.
    public var path: String = ""

    public init(tensors: [NamedTensor] = [], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Named tensors of the parameters and buffers of a layer.
    public init(layer: Layer, metadata: [String: String] = [:]) {
        self.init(tensors: (layer.parameters + layer.buffers).map { NamedTensor(name: $0.name, tensor: $0.value) },
                  metadata: metadata)
    }

    /// The tensor with this name, checked against an expected shape.
    public func tensor(_ name: String, shape: [Int]? = nil) throws -> Tensor {
        guard let t = tensors.first(where: { $0.name == name }) else {
            throw CheckpointError.missingTensor(path: path, name: name)
        }
        if let shape, t.tensor.shape != shape {
            throw CheckpointError.shapeMismatch(path: path, name: name, expected: shape, found: t.tensor.shape)
        }
        return t.tensor
    }

    /// Copies the saved values into `parameters` (values only; gradients untouched). Every parameter
    /// must be present with its shape.
    public func load(into parameters: [Parameter]) throws {
        let values = try parameters.map { try tensor($0.name, shape: $0.value.shape) }
        for (p, v) in zip(parameters, values) { p.value = v }
    }

    /// Loads the parameters and buffers of `layer`; tensors under `prefix` that the layer does not
    /// have are an error (another architecture).
    public func load(into layer: Layer) throws {
        let params = layer.parameters + layer.buffers
        let known = Set(params.map(\.name))
        try load(into: params)
        let extra = tensors.map(\.name).filter { !known.contains($0) }
        if !extra.isEmpty { throw CheckpointError.unexpectedTensors(path: path, names: extra) }
    }

    // MARK: Encoding

    public func encoded() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(64 + tensors.reduce(0) { $0 + 4 * $1.tensor.count + 64 })
        out += Checkpoint.magic
        append(Checkpoint.version, to: &out)
        let meta = (try? JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys])) ?? Data("{}".utf8)
        append(UInt32(meta.count), to: &out)
        out += meta
        append(UInt32(tensors.count), to: &out)
        for t in tensors {
            let name = Array(t.name.utf8)
            append(UInt32(name.count), to: &out)
            out += name
            append(UInt32(t.tensor.rank), to: &out)
            for d in t.tensor.shape { append(Int64(d), to: &out) }
            t.tensor.scalars.withUnsafeBufferPointer { p in
                p.withMemoryRebound(to: UInt8.self) { out.append(contentsOf: $0) }
            }
        }
        append(fnv1a(out), to: &out)
        return out
    }

    /// Writes atomically: a temporary file beside `path`, flushed, then renamed over it.
    public func write(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.unwritable(path: path, reason: "cannot create folder \(dir.path)")
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let bytes = encoded()
        let fd = open(tmp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw CheckpointError.unwritable(path: path, reason: String(cString: strerror(errno))) }
        var written = 0
        let ok: Bool = bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let r = Foundation.write(fd, raw.baseAddress! + written, raw.count - written)
                if r <= 0 { return false }
                written += r
            }
            return fsync(fd) == 0
        }
        close(fd)
        guard ok, rename(tmp.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp.path)
            throw CheckpointError.unwritable(path: path, reason: reason)
        }
    }

    /// Reads and verifies a checkpoint file.
    public static func read(from path: String) throws -> Checkpoint {
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError.missing(path: path) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CheckpointError.unreadable(path: path, reason: error.localizedDescription)
        }
        var c = try decode([UInt8](data), path: path)
        c.path = path
        return c
    }

    /// Decodes bytes written by `encoded()`; `path` is used in error messages.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Checkpoint {
        var r = ByteReader(bytes: bytes, path: path)
        if bytes.count < magic.count + 4 {
            throw bytes.starts(with: magic.prefix(bytes.count)) && !bytes.isEmpty
                ? CheckpointError.truncated(path: path) : CheckpointError.notACheckpoint(path: path)
        }
        guard Array(bytes.prefix(magic.count)) == magic else { throw CheckpointError.notACheckpoint(path: path) }
        r.offset = magic.count
        let version: UInt32 = try r.read()
        guard version == Checkpoint.version else {
            throw CheckpointError.unsupportedVersion(path: path, found: version, supported: Checkpoint.version)
        }
        guard bytes.count >= magic.count + 4 + 8 else { throw CheckpointError.truncated(path: path) }
        let body = bytes.count - 8
        let stored = bytes[body...].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        if UInt64(littleEndian: stored) != fnv1a(bytes[..<body]) {
            // A short file most often is an interrupted write; say so rather than "corrupted".
            throw (try? parseBody(&r, end: body)) == nil ? CheckpointError.truncated(path: path)
                : CheckpointError.checksumMismatch(path: path)
        }
        return try parseBody(&r, end: body)
    }

    private static func parseBody(_ r: inout ByteReader, end: Int) throws -> Checkpoint {
        r.limit = end
        let metaCount = Int(try r.read() as UInt32)
        let metaBytes = try r.bytes(metaCount)
        guard let meta = (try? JSONSerialization.jsonObject(with: Data(metaBytes))) as? [String: String] else {
            throw CheckpointError.malformed(path: r.path, reason: "metadata is not a JSON object of strings")
        }
        let count = Int(try r.read() as UInt32)
        var tensors: [NamedTensor] = []
        for _ in 0..<count {
            let nameCount = Int(try r.read() as UInt32)
            guard let name = String(bytes: try r.bytes(nameCount), encoding: .utf8) else {
                throw CheckpointError.malformed(path: r.path, reason: "a tensor name is not UTF-8")
            }
            let rank = Int(try r.read() as UInt32)
            guard rank <= 8 else { throw CheckpointError.malformed(path: r.path, reason: "tensor '\(name)' has rank \(rank)") }
            var shape: [Int] = []
            for _ in 0..<rank {
                let d: Int64 = try r.read()
                guard d >= 0, d < 1 << 32 else { throw CheckpointError.malformed(path: r.path, reason: "tensor '\(name)' has dimension \(d)") }
                shape.append(Int(d))
            }
            // The element count, checked against the bytes left before it is used (no overflow).
            var n = 1
            for d in shape {
                let (product, overflow) = n.multipliedReportingOverflow(by: d)
                guard !overflow, product <= (end - r.offset) / 4 else { throw CheckpointError.truncated(path: r.path) }
                n = product
            }
            let raw = try r.bytes(4 * n)
            let scalars = raw.withUnsafeBytes { p in (0..<n).map { p.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
            tensors.append(NamedTensor(name: name, tensor: Tensor(shape: shape, scalars: scalars)))
        }
        guard r.offset == end else { throw CheckpointError.malformed(path: r.path, reason: "\(end - r.offset) unexpected bytes after the tensors") }
        return Checkpoint(tensors: tensors, metadata: meta)
    }
}

private struct ByteReader {
    let bytes: [UInt8]
    let path: String
    var offset = 0
    lazy var limit = bytes.count

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    mutating func read<T: FixedWidthInteger>() throws -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= limit else { throw CheckpointError.truncated(path: path) }
        let v = bytes[offset..<(offset + size)].withUnsafeBytes { $0.loadUnaligned(as: T.self) }
        offset += size
        return T(littleEndian: v)
    }

    mutating func bytes(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, offset + count <= limit else { throw CheckpointError.truncated(path: path) }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }
}

private func append<T: FixedWidthInteger>(_ v: T, to out: inout [UInt8]) {
    withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
}

/// FNV-1a, 64-bit.
func fnv1a<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes {
        h ^= UInt64(b)
        h &*= 0x0000_0100_0000_01B3
    }
    return h
}
