// Where a training step's time goes: the engine's kernels add their run time to one of a few parts
// while `StepProfile.isEnabled` is set (by `exp bench train`), and `exp bench train` prints each
// part's share of the step. Off, the cost is one branch per kernel call.
//
// Times are thread times: a kernel running on the two chunk threads of a per-image GEMM adds each
// thread's time. With one BLAS thread they add up to the step's wall time less `other`.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public enum StepProfile {
    /// The kernels' kinds, as `exp bench train` names them.
    public enum Part: Int, CaseIterable, Sendable {
        case sgemm, im2col, batchNorm, activations, optimizer, copies

        public var name: String {
            switch self {
            case .sgemm: "sgemm"
            case .im2col: "im2col/col2im"
            case .batchNorm: "BatchNorm"
            case .activations: "activations"
            case .optimizer: "optimizer"
            case .copies: "copies, bias, memset"
            }
        }
    }

    /// Whether kernels record their times (process-wide; set it only while nothing trains).
    nonisolated(unsafe) public static var isEnabled = false
    nonisolated(unsafe) private static var nanoseconds = [UInt64](repeating: 0, count: Part.allCases.count)
    nonisolated(unsafe) private static var lock = pthread_mutex_t()
    nonisolated(unsafe) private static var lockReady = false

    /// Sets every part's time to zero and starts recording.
    public static func start() {
        if !lockReady {
            pthread_mutex_init(&lock, nil)
            lockReady = true
        }
        nanoseconds = [UInt64](repeating: 0, count: Part.allCases.count)
        isEnabled = true
    }

    /// Stops recording and returns the seconds spent in each part since `start`.
    public static func stop() -> [Part: Double] {
        isEnabled = false
        var out: [Part: Double] = [:]
        for part in Part.allCases { out[part] = Double(nanoseconds[part.rawValue]) / 1e9 }
        return out
    }

    /// Runs `body`, adding its time to `part` when recording.
    @inline(__always)
    public static func measure<R>(_ part: Part, _ body: () -> R) -> R {
        guard isEnabled else { return body() }
        let start = now()
        let result = body()
        add(part, now() - start)
        return result
    }

    @inline(never)
    private static func add(_ part: Part, _ ns: UInt64) {
        pthread_mutex_lock(&lock)
        nanoseconds[part.rawValue] &+= ns
        pthread_mutex_unlock(&lock)
    }

    @inline(__always)
    private static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }
}
