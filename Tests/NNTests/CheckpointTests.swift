// Checkpoint round trips and every kind of bad file: missing, truncated, corrupted, another format
// version, another architecture.

import Foundation
import NN
import Testing

private func tempPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("exp-ckpt-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}

private func smallNet(_ hidden: Int = 4) -> Sequential {
    let net = Sequential([Conv2D(1, hidden, kernel: 3, padding: 1), BatchNorm(hidden), ReLU(), Flatten(), Linear(hidden * 16, 3)])
    var rng = SeededGenerator(seed: 5)
    initialize(net, .kaiming, generator: &rng)
    return net
}

@Test func checkpointRoundTripIsExact() throws {
    let net = smallNet()
    _ = net.forward(Tensor(repeating: 0.5, shape: [2, 1, 4, 4]), mode: .train)  // moves running stats
    let path = tempPath("net.ckpt")
    try Checkpoint(layer: net, metadata: ["epoch": "3", "note": "é"]).write(to: path)
    let loaded = try Checkpoint.read(from: path)
    #expect(loaded.metadata == ["epoch": "3", "note": "é"])
    let other = smallNet()
    var rng = SeededGenerator(seed: 99)
    initialize(other, .dcgan, generator: &rng)
    try loaded.load(into: other)
    for (a, b) in zip(net.parameters + net.buffers, other.parameters + other.buffers) {
        #expect(a.name == b.name && a.value == b.value)
    }
    #expect(loaded.tensors.map(\.name).contains("1.running_mean"))
    // No temporary file is left beside the checkpoint.
    let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["net.ckpt"])
}

@Test func badCheckpointsGiveErrorsNamingTheFile() throws {
    let path = tempPath("good.ckpt")
    try Checkpoint(layer: smallNet()).write(to: path)
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))

    func expectError(_ data: [UInt8], _ check: (CheckpointError) -> Bool) throws {
        let p = tempPath("bad.ckpt")
        try Data(data).write(to: URL(fileURLWithPath: p))
        do {
            _ = try Checkpoint.read(from: p)
            Issue.record("no error for a bad checkpoint")
        } catch let e as CheckpointError {
            #expect(check(e), "unexpected error \(e)")
            #expect(e.description.contains(p))
        }
    }
    try expectError(Array(bytes.prefix(bytes.count / 2))) { $0 == .truncated(path: $0.path) }
    try expectError(Array(bytes.prefix(5))) { $0 == .truncated(path: $0.path) }
    try expectError([]) { $0 == .notACheckpoint(path: $0.path) }
    try expectError(Array("hello, world, this is text".utf8)) { $0 == .notACheckpoint(path: $0.path) }
    var flipped = bytes
    flipped[bytes.count / 2] ^= 0x40
    try expectError(flipped) { $0 == .checksumMismatch(path: $0.path) }
    var version = bytes
    version[8] = 9
    try expectError(version) {
        if case .unsupportedVersion(_, 9, 1) = $0 { return true } else { return false }
    }
    #expect(throws: CheckpointError.missing(path: "/nonexistent/x.ckpt")) { try Checkpoint.read(from: "/nonexistent/x.ckpt") }
}

@Test func loadingIntoAnotherArchitectureNamesTheParameter() throws {
    let path = tempPath("four.ckpt")
    try Checkpoint(layer: smallNet(4)).write(to: path)
    let ckpt = try Checkpoint.read(from: path)
    do {
        try ckpt.load(into: smallNet(5))
        Issue.record("loaded a checkpoint of another shape")
    } catch let e as CheckpointError {
        guard case .shapeMismatch(let p, let name, let expected, let found) = e else {
            Issue.record("unexpected \(e)")
            return
        }
        #expect(p == path && name == "0.weight" && expected == [5, 1, 3, 3] && found == [4, 1, 3, 3])
    }
    let fewer = Sequential([Conv2D(1, 4, kernel: 3, padding: 1)])
    #expect(throws: CheckpointError.self) { try ckpt.load(into: fewer) }
}

extension CheckpointError {
    fileprivate var path: String {
        switch self {
        case .missing(let p), .notACheckpoint(let p), .truncated(let p), .checksumMismatch(let p): return p
        case .unreadable(let p, _), .unwritable(let p, _), .malformed(let p, _), .missingTensor(let p, _),
             .unexpectedTensors(let p, _): return p
        case .unsupportedVersion(let p, _, _), .shapeMismatch(let p, _, _, _): return p
        }
    }
}
