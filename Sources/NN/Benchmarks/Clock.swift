// Timing and memory readings for benchmarks: a monotonic clock, medians over repetitions, and the
// process's current and peak resident memory (Linux /proc/self/status; 0 where unavailable).

import Foundation

public enum Measure {
    /// Seconds on a monotonic clock.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Median seconds per call of `body`, after one warm-up call, over at least `minRepeats`
    /// calls and `minSeconds` of running time.
    public static func median(minRepeats: Int = 3, minSeconds: Double = 0.3, _ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        let start = now()
        while times.count < minRepeats || (now() - start < minSeconds && times.count < 200) {
            let t0 = now()
            body()
            times.append(now() - t0)
        }
        times.sort()
        return times[times.count / 2]
    }

    /// (current, peak) resident set size in MiB.
    public static func residentMemoryMiB() -> (current: Double, peak: Double) {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func field(_ key: String) -> Double {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }) else { return 0 }
            let kb = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) } ?? 0
            return kb / 1024
        }
        return (field("VmRSS"), field("VmHWM"))
    }
}
