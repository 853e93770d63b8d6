// The single-precision GEMM and the BLAS thread count: the only file that imports COpenBLAS.
//
// Every call checks buffer sizes and leading dimensions in Swift, with the shapes in the message,
// so a size bug stops here rather than corrupting memory inside BLAS.

import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

public enum BLAS {
    /// Threads OpenBLAS uses for one GEMM.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set {
            precondition(newValue >= 1, "BLAS thread count must be at least 1, got \(newValue)")
            openblas_set_num_threads(Int32(newValue))
        }
    }

    /// OpenBLAS build configuration (version, core type, threading) and the idle-thread spin
    /// setting it was loaded with (`OPENBLAS_THREAD_TIMEOUT`), for provenance records.
    public static var configuration: String {
        guard let p = openblas_get_config() else { return "unknown" }
        let timeout = getenv("OPENBLAS_THREAD_TIMEOUT").map { String(cString: $0) } ?? "default"
        return String(cString: p) + " core=" + Machine.blasCore
            + " OPENBLAS_THREAD_TIMEOUT=" + timeout
    }

    /// C[M, N] = alpha * op(A)[M, K] * op(B)[K, N] + beta * C, all row-major.
    ///
    /// `lda`, `ldb`, `ldc` are row strides; A is [M, K] (or [K, M] when `transA`), B is [K, N]
    /// (or [N, K] when `transB`). `beta = 1` accumulates into C.
    @inline(__always)
    public static func sgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, aCount: Int,
        b: UnsafePointer<Float>, ldb: Int, bCount: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int, cCount: Int
    ) {
        let (aRows, aCols) = transA ? (k, m) : (m, k)
        let (bRows, bCols) = transB ? (n, k) : (k, n)
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative size m=\(m) n=\(n) k=\(k)")
        precondition(
            lda >= max(1, aCols) && ldb >= max(1, bCols) && ldc >= max(1, n),
            "sgemm: leading dimensions lda=\(lda) ldb=\(ldb) ldc=\(ldc) too small for A \(aRows)x\(aCols), B \(bRows)x\(bCols), C \(m)x\(n)"
        )
        precondition(
            aRows == 0 || (aRows - 1) * lda + aCols <= aCount,
            "sgemm: A is \(aRows)x\(aCols) with lda \(lda) but its buffer holds \(aCount)")
        precondition(
            bRows == 0 || (bRows - 1) * ldb + bCols <= bCount,
            "sgemm: B is \(bRows)x\(bCols) with ldb \(ldb) but its buffer holds \(bCount)")
        precondition(
            m == 0 || (m - 1) * ldc + n <= cCount,
            "sgemm: C is \(m)x\(n) with ldc \(ldc) but its buffer holds \(cCount)")
        if m == 0 || n == 0 { return }
        StepProfile.measure(.sgemm) {
            cblas_sgemm(
                CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// Array convenience: C = alpha op(A) op(B) + beta C with dense row-major matrices.
    public static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
        _ a: [Float], _ b: [Float], beta: Float = 0, _ c: inout [Float]
    ) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    sgemm(
                        transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                        a: pa.baseAddress!, lda: transA ? m : k, aCount: pa.count,
                        b: pb.baseAddress!, ldb: transB ? k : n, bCount: pb.count,
                        beta: beta, c: pc.baseAddress!, ldc: n, cCount: pc.count)
                }
            }
        }
    }
}
