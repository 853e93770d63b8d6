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

/// The GEMM blocks of one convolution over a batch, named as Caffe's `BaseConvolutionLayer`. The
/// weight is W [M, K], K = `geometry.colRows`; "column images" are those the geometry describes
/// (im2col reads them, col2im writes them: Conv2D's input, ConvTranspose2D's output), "row images"
/// [N, M, S], S = `geometry.colCols`, the other side. Conv2D runs `forward`, then `weight` and
/// `backward`; ConvTranspose2D, as Caffe's deconv layer, `backward`, then `forward` with `weight`.
/// A block is the whole batch (batched: N * S columns, row images channel-major) or one image (per
/// image: S columns, row images as they are, blocks run in `ImageChunks`).
struct ConvGEMM {
    let geometry: ConvGeometry, m: Int, n: Int, batched: Bool

    init(_ geometry: ConvGeometry, rows m: Int, batch n: Int, strategy: GEMMStrategy) {
        (self.geometry, self.m, self.n) = (geometry, m, n)
        batched = strategy.resolved(columnsPerImage: geometry.colCols) == .batched
    }

    var k: Int { geometry.colRows }
    var s: Int { geometry.colCols }
    /// Columns of one block's GEMMs.
    var cols: Int { batched ? n * s : s }
    var imageSize: Int { geometry.channels * geometry.height * geometry.width }
    /// Floats of the column matrices of every block (`all`), or of one block per chunk.
    func columnCount(all: Bool) -> Int { k * (all || batched ? n * s : ImageChunks.count * s) }

    /// `body(chunk, blocks)`: the batched block on this thread (BLAS threads split its GEMMs), or
    /// the images in `ImageChunks`.
    private func chunks(_ body: (Int, Range<Int>) -> Void) {
        if batched { body(0, 0..<1) } else { ImageChunks.run(n, body) }
    }

    /// Runs `body` on row images [N, M, S] as the GEMMs take them: copied channel-major into
    /// `scratch` (batched) or as they are.
    func withRows(_ rows: UnsafePointer<Float>, scratch: inout Workspace, _ body: (UnsafePointer<Float>) -> Void) {
        guard batched else { return body(rows) }
        scratch.withPointer(m * n * s) { cm in
            nchwToChannelMajor(rows, n: n, c: m, s: s, into: cm)
            body(cm)
        }
    }

    /// Caffe `forward_cpu_gemm`: out [N, M, S] = W [M, K] x im2col(images) (+ bias). With
    /// `keepColumns` every block's columns stay in `col` (for Conv2D's `weight`), else each chunk
    /// reuses one block's. `weightGradient` runs `weight` on each block's columns as they are made.
    func forward(
        _ images: UnsafePointer<Float>, _ w: UnsafePointer<Float>, bias: Tensor?, into out: UnsafeMutablePointer<Float>,
        col: inout Workspace, keepColumns: Bool, scratch: inout Workspace, weightGradient: WeightGradient? = nil
    ) {
        col.withPointer(columnCount(all: keepColumns)) { pcol in
            func run(_ outBlocks: UnsafeMutablePointer<Float>) {
                chunks { t, blocks in
                    for b in blocks {
                        let pc = pcol + (keepColumns ? b : t) * k * cols
                        im2col(images + b * imageSize, count: batched ? n : 1, imageStride: imageSize, geometry, into: pc)
                        weightGradient?.block(b, chunk: t, first: b == blocks.lowerBound, pc, self)
                        gemm(m: m, n: cols, k: k, w, pc, outBlocks + b * m * cols)
                    }
                }
            }
            guard batched else {
                run(out)
                bias?.scalars.withUnsafeBufferPointer { addBias(out, n: n, c: m, s: s, bias: $0.baseAddress!) }
                return
            }
            scratch.withPointer(m * n * s) { cm in
                run(cm)
                guard let bias else { return channelMajorToNCHW(cm, n: n, c: m, s: s, bias: nil, into: out) }
                bias.scalars.withUnsafeBufferPointer { channelMajorToNCHW(cm, n: n, c: m, s: s, bias: $0.baseAddress!, into: out) }
            }
        }
    }

    /// Caffe `backward_cpu_gemm`: images += col2im(W^T [K, M] x rows), `rows` from `withRows`.
    func backward(_ rows: UnsafePointer<Float>, _ w: UnsafePointer<Float>, into images: UnsafeMutablePointer<Float>, dcol: inout Workspace) {
        dcol.withPointer(columnCount(all: false)) { pdcAll in
            chunks { t, blocks in
                let pdc = pdcAll + t * k * cols
                for b in blocks {
                    gemm(transA: true, m: k, n: cols, k: m, w, rows + b * m * cols, pdc)
                    col2im(pdc, count: batched ? n : 1, imageStride: imageSize, geometry, into: images + b * imageSize)
                }
            }
        }
    }

    /// Caffe `weight_cpu_gemm`: dW += rows x im2col(images)^T, on the columns `forward` kept in `col`.
    func weight(_ col: UnsafePointer<Float>, _ target: WeightGradient) {
        chunks { t, blocks in
            for b in blocks { target.block(b, chunk: t, first: b == blocks.lowerBound, col + b * k * cols, self) }
        }
    }

    /// A weight gradient's operands: `rows` from `withRows`; chunk 0 sums into `dW` [M, K], chunk 1
    /// into `partial` (see `accumulatingWeightGradient`).
    struct WeightGradient {
        var rows: UnsafePointer<Float>, dW: UnsafeMutablePointer<Float>, partial: UnsafeMutablePointer<Float>

        /// dW += rows [M, cols] x col [K, cols]^T for block b; chunk 1's first block overwrites `partial`.
        @inline(__always)
        func block(_ b: Int, chunk t: Int, first: Bool, _ col: UnsafePointer<Float>, _ g: ConvGEMM) {
            gemm(transB: true, m: g.m, n: g.k, k: g.cols, rows + b * g.m * g.cols, col,
                 beta: t == 0 || !first ? 1 : 0, t == 0 ? dW : partial)
        }
    }

    /// Runs `body(partial)` for a weight gradient into `dW`, then, per image, adds the second
    /// chunk's partial sum (in `partial`) into `dW`: the same bits on any thread count.
    func accumulatingWeightGradient(
        _ dW: UnsafeMutablePointer<Float>, partial: inout Workspace, enabled: Bool = true,
        _ body: (UnsafeMutablePointer<Float>) -> Void
    ) {
        if batched || !enabled { return body(dW) }
        partial.withPointer(m * k) { p in
            body(p)
            for j in 0..<m * k { dW[j] += p[j] }
        }
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

    mutating func withPointer<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
        return buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}
