// Splitting element-wise and layout work over the same threads the BLAS uses, so that a second
// BLAS thread speeds up a whole training step and not only its GEMMs.
//
// Work is cut into one fixed chunk per thread, each chunk writing its own part of the output and
// reductions combined in chunk order, so results are bit-identical for a given thread count.

import Dispatch

public enum Parallel {
    /// Runs `body` over 0..<count, split into contiguous ranges, one per BLAS thread, when each
    /// range would hold at least `grain` items (otherwise in one call on this thread).
    @inline(__always)
    public static func forRanges(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        let threads = min(BLAS.threadCount, count / max(grain, 1))
        if threads <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            body((t * count / threads)..<((t + 1) * count / threads))
        }
    }
}
