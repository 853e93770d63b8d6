// Provenance collection that needs no engine: git commit and dirty flag (via the `git` command,
// tolerating its absence), the OS (uname) and the CPU model (/proc/cpuinfo). The BLAS fields come
// from the caller, which links OpenBLAS.

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public enum ProvenanceProbe {
    /// Git HEAD commit and whether the work tree has uncommitted changes, or (nil, nil) when
    /// `directory` is not in a git checkout or git is not installed.
    public static func git(in directory: String) -> (commit: String?, dirty: Bool?) {
        guard let head = run(["git", "-C", directory, "rev-parse", "HEAD"]), head.status == 0 else { return (nil, nil) }
        let commit = head.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let status = run(["git", "-C", directory, "status", "--porcelain", "--untracked-files=no"]), status.status == 0 else {
            return (commit, nil)
        }
        return (commit, !status.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    /// "Linux 6.1.0 x86_64" from uname(2).
    public static func operatingSystem() -> String {
        var info = utsname()
        guard uname(&info) == 0 else { return "unknown" }
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        return "\(field(info.sysname)) \(field(info.release)) \(field(info.machine))"
    }

    /// "<model name> (N logical CPUs)" from /proc/cpuinfo, or the processor count alone.
    public static func cpu(cpuinfoPath: String = "/proc/cpuinfo") -> String {
        let count = ProcessInfo.processInfo.activeProcessorCount
        guard let text = try? String(contentsOfFile: cpuinfoPath, encoding: .utf8) else { return "\(count) logical CPUs" }
        return cpuModel(fromCpuinfo: text).map { "\($0) (\(count) logical CPUs)" } ?? "\(count) logical CPUs"
    }

    /// The first "model name" line of a /proc/cpuinfo text.
    public static func cpuModel(fromCpuinfo text: String) -> String? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == "model name" {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// Collects everything but the BLAS fields, which the caller knows.
    public static func collect(
        toolVersion: String, sourceDirectory: String, blasConfig: String, blasThreads: Int, datasetFingerprint: String?
    ) -> Provenance {
        let (commit, dirty) = git(in: sourceDirectory)
        return Provenance(
            toolVersion: toolVersion, gitCommit: commit, gitDirty: dirty, os: operatingSystem(), cpu: cpu(),
            blasConfig: blasConfig, blasThreads: blasThreads, datasetFingerprint: datasetFingerprint)
    }

    private static func run(_ arguments: [String]) -> (status: Int32, output: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
