// The GEMM blocks that Conv2D and ConvTranspose2D share, used in opposite directions
// (Caffe `base_conv_layer.cpp` / `deconv_layer.cpp`), plus the NCHW <-> channel-major copies.
//
// Letters: N batch, C channels, S = H * W pixels of one map, K = C_in * KH * KW rows of a column
// matrix. "Channel-major" is [C, N * S]: channel c of image n occupies columns [n*S, (n+1)*S).
// Whole-batch mode runs one GEMM over N * S columns (large, scales with BLAS threads) at the cost of
// two layout copies; per-image mode runs N GEMMs of S columns straight on NCHW memory.
// `exp bench engine` measures both; `GEMMStrategy.default` is the faster.

/// How a convolution layer maps its batch onto GEMM calls.
public enum GEMMStrategy: String, Sendable, CaseIterable, Codable {
    /// One GEMM over the whole batch (columns N * S).
    case batched
    /// One GEMM per image (columns S), straight on NCHW memory.
    case perImage
    /// Per image when one image's GEMM is wide enough to run near sgemm speed on its own
    /// (S >= `perImageMinimumColumns`), else batched. Chosen from `exp bench engine` measurements
    /// on the HA-GAN shapes: per-image wins on the 16x16 and larger maps, where the batched layout
    /// copies cost more than they save; batched wins on the 8x8 and 4x4 maps.
    case automatic

    public static let `default`: GEMMStrategy = .automatic
    public static let perImageMinimumColumns = 256

    /// The concrete strategy for a layer whose GEMM has `columns` columns per image.
    @inline(__always)
    public func resolved(columnsPerImage columns: Int) -> GEMMStrategy {
        guard self == .automatic else { return self }
        return columns >= GEMMStrategy.perImageMinimumColumns ? .perImage : .batched
    }
}

/// Copies x [N, C, S] into channel-major [C, N * S].
@inline(__always)
func nchwToChannelMajor(_ x: UnsafePointer<Float>, n: Int, c: Int, s: Int, into out: UnsafeMutablePointer<Float>) {
    Parallel.forRanges(c, grain: max(1, 32768 / max(n * s, 1))) { channels in
        for ch in channels {
            for i in 0..<n { (out + ch * n * s + i * s).update(from: x + (i * c + ch) * s, count: s) }
        }
    }
}

/// Copies channel-major [C, N * S] into x [N, C, S]; adds `bias[c]` when given.
@inline(__always)
func channelMajorToNCHW(
    _ cm: UnsafePointer<Float>, n: Int, c: Int, s: Int, bias: UnsafePointer<Float>?,
    into out: UnsafeMutablePointer<Float>
) {
    Parallel.forRanges(c, grain: max(1, 32768 / max(n * s, 1))) { channels in
        for ch in channels {
            for i in 0..<n {
                let src = cm + ch * n * s + i * s
                let dst = out + (i * c + ch) * s
                if let bias {
                    let b = bias[ch]
                    for j in 0..<s { dst[j] = src[j] + b }
                } else {
                    dst.update(from: src, count: s)
                }
            }
        }
    }
}

/// Bias forward: y[n, c, :] += bias[c] for an NCHW buffer.
@inline(__always)
func addBias(_ y: UnsafeMutablePointer<Float>, n: Int, c: Int, s: Int, bias: UnsafePointer<Float>) {
    Parallel.forRanges(c, grain: max(1, 32768 / max(n * s, 1))) { channels in
        for ch in channels {
            let b = bias[ch]
            for i in 0..<n {
                let p = y + (i * c + ch) * s
                for j in 0..<s { p[j] += b }
            }
        }
    }
}

/// Bias backward: db[c] += sum over n and s of dy[n, c, s].
@inline(__always)
func accumulateBiasGrad(_ dy: UnsafePointer<Float>, n: Int, c: Int, s: Int, into db: UnsafeMutablePointer<Float>) {
    Parallel.forRanges(c, grain: max(1, 32768 / max(n * s, 1))) { channels in
        for ch in channels {
            var acc: Float = 0
            for i in 0..<n {
                let p = dy + (i * c + ch) * s
                var part: Float = 0
                for j in 0..<s { part += p[j] }
                acc += part
            }
            db[ch] += acc
        }
    }
}

/// Dense row-major GEMM on raw pointers: C[m, n] = op(A) op(B) + beta C.
@inline(__always)
func gemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, beta: Float = 0,
    _ c: UnsafeMutablePointer<Float>
) {
    BLAS.sgemm(
        transA: transA, transB: transB, m: m, n: n, k: k,
        a: a, lda: transA ? m : k, aCount: m * k,
        b: b, ldb: transB ? k : n, bCount: k * n,
        beta: beta, c: c, ldc: n, cCount: m * n)
}

/// A reusable scratch buffer that grows to the largest size asked of it and never shrinks,
/// so that repeated training steps allocate nothing.
struct Workspace {
    private(set) var buffer: [Float] = []

    mutating func reserve(_ count: Int) {
        if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
    }

    mutating func withPointer<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        reserve(count)
        return buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    /// Runs `body` with this workspace as the weight-gradient partial sum of the second image
    /// chunk (see `ImageChunks`; `body` overwrites it with its first GEMM), then adds it into
    /// `grad`. The first chunk accumulates into `grad` directly.
    mutating func accumulate(
        into grad: UnsafeMutablePointer<Float>, count: Int, enabled: Bool,
        _ body: (UnsafeMutablePointer<Float>) -> Void
    ) {
        withPointer(count) { partial in
            body(partial)
            guard enabled else { return }
            for j in 0..<count { grad[j] += partial[j] }
        }
    }
}
