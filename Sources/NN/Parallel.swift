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

/// Per-image GEMM work (the `perImage` strategy) split over the BLAS threads.
///
/// One image's GEMM is too small for OpenBLAS to split well over threads, so a second thread
/// would sit idle. Instead the batch is cut into `chunks` contiguous image ranges that run
/// concurrently, each calling single-threaded GEMMs. The number of chunks is fixed, not the
/// thread count, so that sums over images (weight gradients, one partial sum per chunk added in
/// chunk order) are bit-identical on any number of threads.
public enum ImageChunks {
    /// Chunks a batch is cut into, whatever the thread count. Weight gradients rely on there
    /// being two: chunk 0 accumulates into the gradient, chunk 1 into a partial sum added after.
    public static let count = 2

    /// The images of chunk `t` in a batch of `n`.
    @inline(__always)
    public static func range(_ t: Int, of n: Int) -> Range<Int> {
        (t * n / count)..<((t + 1) * n / count)
    }

    /// Runs `body(chunk, images)` for every chunk: concurrently with single-threaded GEMMs when
    /// the BLAS has more than one thread, else in order on this thread.
    public static func run(_ n: Int, _ body: (Int, Range<Int>) -> Void) {
        let threads = BLAS.threadCount
        if threads <= 1 || n < count {
            for t in 0..<count { body(t, range(t, of: n)) }
            return
        }
        BLAS.threadCount = 1
        defer { BLAS.threadCount = threads }
        DispatchQueue.concurrentPerform(iterations: count) { t in body(t, range(t, of: n)) }
    }
}
