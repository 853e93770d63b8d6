// Timing and memory readings for every benchmark: a monotonic clock, medians over repetitions,
// wall and CPU seconds of one run, CPU seconds of a thread, this process or another, the process's current and peak resident memory (Linux
// /proc/self/status; 0 where unavailable), and the CPU the figures were measured on.

import Foundation
import Runner

public enum Measure {
    /// Seconds on a monotonic clock.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Median seconds per call of `body`, after `warmUp` untimed calls, over at least `minRepeats`
    /// calls and `minSeconds` of running time (at most `maxRepeats` calls).
    public static func median(
        warmUp: Int = 1, minRepeats: Int = 3, maxRepeats: Int = 200, minSeconds: Double = 0.3, _ body: () -> Void
    ) -> Double {
        for _ in 0..<warmUp { body() }
        var times: [Double] = []
        let start = now()
        while times.count < minRepeats || (now() - start < minSeconds && times.count < maxRepeats) {
            let t0 = now()
            body()
            times.append(now() - t0)
        }
        return median(of: times)
    }

    /// The median of `values` (the mean of the middle two for an even count).
    public static func median(of values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Wall and CPU (this process, all threads) seconds of one call of `body`.
    public static func time(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
        let start = now(), cpuStart = clock()
        try body()
        return (now() - start, Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC))
    }

    /// CPU seconds of the calling thread.
    public static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// CPU seconds of this process, all threads.
    public static func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// User and system CPU seconds of another live process (Linux: /proc/PID/stat), 0 where unreadable.
    public static func cpuSeconds(process: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(process)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3 of stat(5); utime and stime are 14 and 15.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// (current, peak) resident set size in MiB (`ProcessMemory`).
    public static func residentMemoryMiB() -> (current: Double, peak: Double) {
        let bytes = ProcessMemory.residentBytes()
        return (Double(bytes.current) / 1_048_576, Double(bytes.peak) / 1_048_576)
    }

    /// "<model name>, avx512f yes|no, N logical CPUs" from /proc/cpuinfo (the model name as lscpu
    /// shows it; "unknown CPU" where the file is missing).
    public static func cpuDescription(cpuinfoPath: String = "/proc/cpuinfo") -> String {
        let count = ProcessInfo.processInfo.activeProcessorCount
        guard let text = try? String(contentsOfFile: cpuinfoPath, encoding: .utf8) else { return "unknown CPU, \(count) logical CPUs" }
        func field(_ key: String) -> String? {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == key {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
        let flags = Set(field("flags").map { $0.split(separator: " ").map(String.init) } ?? [])
        let avx512 = flags.contains("avx512f")
        let isa = avx512 ? "AVX-512" : flags.contains("avx2") ? "AVX2" : flags.contains("avx") ? "AVX" : "SSE"
        return "\(field("model name") ?? "unknown CPU"), avx512f \(avx512 ? "yes" : "no") (widest vectors: \(isa)), \(count) logical CPUs"
    }
}
