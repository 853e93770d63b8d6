// Running the real `exp` executable from the tests: where this build put it, a tiny synthetic
// spec, and the processes a run leaves behind.

import Foundation
import Runner

/// The `exp` executable of this build (built with the tests by `swift test`).
var expExecutable: URL {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    #if DEBUG
        let config = "debug"
    #else
        let config = "release"
    #endif
    return root.appendingPathComponent(".build/\(config)/exp")
}

func temporaryFolder(_ name: String) -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("exp-\(name)-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A spec small enough to run in seconds: 8 synthetic subjects, 2 folds, 3 epochs of both models;
/// HA-GAN draws a sample grid every `sampleEvery` epochs (0: never).
func tinySpec(in folder: String, epochs: Int = 3, sampleEvery: Int = 0) throws -> String {
    let text = """
        {"specVersion": 1, "name": "tiny", "table": "none", "seed": 7,
         "dataset": {"kind": "synthetic", "imageSize": 36, "cropSize": 32, "augmentation": ["center", "center:flip"],
                     "subjects": 8, "imagesPerExpression": 2},
         "character": {"kind": "synthetic"},
         "protocol": {"folds": 2, "runs": 1},
         "models": [
           {"name": "CNN(baseline)", "kind": "cnn", "epochs": \(epochs), "batchSize": 16},
           {"name": "HA-GAN", "kind": "hagan", "epochs": \(epochs), "batchSize": 16, "codeSize": 16, "noiseSize": 8, "sampleEvery": \(sampleEvery)}
         ]}
        """
    let path = (folder as NSString).appendingPathComponent("tiny.json")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Starts `exp` with these arguments; its standard error goes to the file `stderr` and its
/// standard output to `stdout` when given (appended), else nowhere. `environment` is added to
/// this process's.
func runExp(_ arguments: [String], stderr: String? = nil, stdout: String? = nil, environment: [String: String] = [:]) throws -> Process {
    let p = Process()
    p.executableURL = expExecutable
    p.arguments = arguments
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    func appending(_ path: String?) throws -> FileHandle {
        guard let path else { return FileHandle.nullDevice }
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        return handle
    }
    p.standardOutput = try appending(stdout)
    p.standardError = try appending(stderr)
    try p.run()
    return p
}

/// Ids of the processes whose command line mentions every one of `texts` (Linux /proc).
func processIDs(mentioning texts: String...) -> [Int32] {
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
    return pids.filter { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        return texts.allSatisfy { line.contains($0) }
    }
}

/// How many processes' command lines mention `text`.
func processes(mentioning text: String) -> Int { processIDs(mentioning: text).count }

/// A finished child process: whether it exited normally (not by a signal or the timeout), its exit
/// status (or signal), and what it wrote on standard output and standard error.
struct CapturedRun {
    var normal: Bool
    var status: Int32
    var out: String
    var err: String
}

/// Runs `executable` with `arguments`, reading both of its pipes to the end; after `timeout`
/// seconds it is killed and reported as not normal, with "timed out" as its output.
func runCapturing(_ executable: URL, _ arguments: [String], timeout: Double = 300, environment: [String: String] = [:]) throws -> CapturedRun {
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new } }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    final class Box: @unchecked Sendable { var out = Data(), err = Data() }
    let box = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { box.out = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    DispatchQueue.global().async { box.err = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    if group.wait(timeout: .now() + timeout) == .timedOut {
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        return CapturedRun(normal: false, status: -1, out: "timed out after \(timeout) s", err: "")
    }
    p.waitUntilExit()
    return CapturedRun(normal: p.terminationReason == .exit, status: p.terminationStatus,
                       out: String(decoding: box.out, as: UTF8.self), err: String(decoding: box.err, as: UTF8.self))
}

/// `--set` overrides that give a spec the numerics of this test process, for tests that run a job's
/// worker in process: the test process is not `exp`, so its OpenBLAS keeps its own kernel (unless
/// the suite runs with OPENBLAS_CORETYPE=Haswell), and a portable job would be refused in it.
var inProcessNumerics: [String] { Numerics.current.blasCore == Numerics.portableCore ? [] : ["numerics.mode=native"] }
