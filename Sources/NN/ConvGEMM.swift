// The GEMM blocks that Conv2D and ConvTranspose2D share, used in opposite directions
// (Caffe `base_conv_layer.cpp` / `deconv_layer.cpp`), plus the NCHW <-> channel-major copies.
//
// Letters: N batch, C channels, S = H * W pixels of one map, K = C_in * KH * KW rows of a column
// matrix. "Channel-major" is [C, N * S]: channel c of image n occupies columns [n*S, (n+1)*S).
// A block of several images runs one GEMM over their columns at the cost of layout copies; a block
// of one image runs straight on NCHW memory. `exp bench engine` measures the strategies.

/// How a convolution layer maps its batch onto GEMM calls.
public enum GEMMStrategy: String, Sendable, CaseIterable, Codable {
    /// One GEMM over the whole batch (columns N * S).
    case batched
    /// One GEMM per image (columns S), straight on NCHW memory.
    case perImage
    /// Blocks of as many images as make `blockColumns` columns (one image when its map alone has
    /// that many): GEMMs wide enough to run near sgemm speed, on column matrices small enough to
    /// stay in cache between im2col and the GEMM that reads them. Chosen from `exp bench engine`
    /// and `exp bench train` measurements on the HA-GAN shapes (see `blockColumns`).
    case automatic

    public static let `default`: GEMMStrategy = .automatic
    /// Columns of an `automatic` block's GEMMs. Measured on the 64x64 HA-GAN training step (AMD
    /// EPYC, AVX-512, 1 thread, `exp bench train`, ms per GAN / CNN step): 128 columns 513 / 71.8,
    /// 256: 504 / 70.3, 512: 506 / 70.6, 1024: 546 / 76.3, the whole batch (as `batched`) 601 /
    /// 80.9, its column matrices (up to 16 MB) going through memory twice.
    public static let blockColumns = 256

    /// Images per block for a layer whose GEMM has `columns` columns per image, in a batch of `n`.
    @inline(__always)
    public func imagesPerBlock(columnsPerImage columns: Int, batch n: Int) -> Int {
        switch self {
        case .batched: max(1, n)
        case .perImage: 1
        case .automatic: max(1, min(n, (GEMMStrategy.blockColumns + columns - 1) / max(columns, 1)))
        }
    }
}

/// The GEMM blocks of one convolution over a batch, named as Caffe's `BaseConvolutionLayer`. The
/// weight is W [M, K], K = `geometry.colRows`; "column images" are those the geometry describes
/// (im2col reads them, col2im writes them: Conv2D's input, ConvTranspose2D's output), "row images"
/// [N, M, S], S = `geometry.colCols`, the other side. Conv2D runs `forward`, then `backward` with
/// its weight gradient; ConvTranspose2D, as Caffe's deconv layer, `backward`, then `forward` with
/// its weight gradient.
///
/// The batch is cut into blocks of `group` images. A block's column matrix [K, group * S] is made
/// and used at once, while it is in cache (Conv2D's backward pass makes it again), and its row images are
/// copied channel-major [M, group * S] when the block holds more than one image. One
/// block runs on this thread with every BLAS thread; several are cut into `ImageChunks` that run
/// concurrently on single-threaded GEMMs.
struct ConvGEMM {
    let geometry: ConvGeometry, m: Int, n: Int
    /// Images per block (the last block may hold fewer).
    let group: Int

    init(_ geometry: ConvGeometry, rows m: Int, batch n: Int, strategy: GEMMStrategy) {
        (self.geometry, self.m, self.n) = (geometry, m, n)
        group = strategy.imagesPerBlock(columnsPerImage: geometry.colCols, batch: n)
    }

    var k: Int { geometry.colRows }
    var s: Int { geometry.colCols }
    /// Floats of one column image and of one row image.
    var columnImageSize: Int { geometry.channels * geometry.height * geometry.width }
    var rowImageSize: Int { m * s }
    var blockCount: Int { (n + group - 1) / group }
    /// Concurrent chunks, each with its own block buffers.
    var chunkCount: Int { blockCount == 1 ? 1 : ImageChunks.count }

    /// `body(chunk, images, first)` for every block, `first` when it is its chunk's first.
    private func forEachBlock(_ body: (Int, Range<Int>, Bool) -> Void) {
        if blockCount == 1 { return body(0, 0..<n, true) }
        ImageChunks.run(blockCount) { t, blocks in
            for b in blocks { body(t, (b * group)..<min(n, (b + 1) * group), b == blocks.lowerBound) }
        }
    }

    /// Row images of `images` as one GEMM operand [M, count * S]: themselves for one image, else
    /// copied channel-major into `scratch`.
    @inline(__always)
    private func rowBlock(_ rows: UnsafePointer<Float>, _ images: Range<Int>, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let first = rows + images.lowerBound * rowImageSize
        if images.count == 1 { return first }
        nchwToChannelMajor(first, n: images.count, c: m, s: s, into: scratch)
        return UnsafePointer(scratch)
    }

    /// Caffe `forward_cpu_gemm`: row images out [N, M, S] = W [M, K] x im2col(images) (+ bias).
    /// With `weightGradient`, also dW += rows x im2col(images)^T on each block's columns.
    func forward(
        _ images: UnsafePointer<Float>, _ w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        into out: UnsafeMutablePointer<Float>, work: inout Workspace, weightGradient: WeightGradient? = nil
    ) {
        let cols = group * s, perChunk = (k + m) * cols
        work.withPointer(chunkCount * perChunk) { base in
            forEachBlock { t, block, first in
                let rowScratch = base + t * perChunk + k * cols
                let col = base + t * perChunk
                let width = block.count * s
                im2col(images + block.lowerBound * columnImageSize, count: block.count, imageStride: columnImageSize, geometry, into: col)
                if let weightGradient, let rows = weightGradient.rows {
                    weightGradient.add(rowBlock(rows, block, scratch: rowScratch), col, columns: width, chunk: t, first: first, self)
                }
                let target = block.count == 1 ? out + block.lowerBound * rowImageSize : rowScratch
                gemm(m: m, n: width, k: k, w, col, target)
                if block.count == 1 {
                    if let bias { addBias(target, n: 1, c: m, s: s, bias: bias) }
                } else {
                    channelMajorToNCHW(rowScratch, n: block.count, c: m, s: s, bias: bias, into: out + block.lowerBound * rowImageSize)
                }
            }
        }
    }

    /// Caffe `backward_cpu_gemm`: images += col2im(W^T [K, M] x rows) into `gradient` (when given),
    /// and with `weightGradient`, dW += rows x col^T on the block's columns, made again here
    /// from the column images: the two uses of one block of row images (Conv2D's backward
    /// pass), its channel-major copy made once.
    /// With `overwrite`, the images are written, not added to (the buffer may be uninitialised).
    func backward(
        _ rows: UnsafePointer<Float>, _ w: UnsafePointer<Float>, into gradient: UnsafeMutablePointer<Float>?,
        overwrite: Bool = false, work: inout Workspace, weightGradient: WeightGradient? = nil
    ) {
        let cols = group * s, perChunk = (k + m) * cols
        work.withPointer(chunkCount * perChunk) { base in
            forEachBlock { t, block, first in
                let col = base + t * perChunk, rowScratch = col + k * cols
                let width = block.count * s
                let rowsOfBlock = rowBlock(rows, block, scratch: rowScratch)
                if let weightGradient, let images = weightGradient.columnImages {
                    im2col(images + block.lowerBound * columnImageSize, count: block.count, imageStride: columnImageSize,
                           geometry, into: col)
                    weightGradient.add(rowsOfBlock, col, columns: width, chunk: t, first: first, self)
                }
                guard let gradient else { return }
                gemm(transA: true, m: k, n: width, k: m, w, rowsOfBlock, col)
                let target = gradient + block.lowerBound * columnImageSize
                col2im(col, count: block.count, imageStride: columnImageSize, geometry, into: target, overwrite: overwrite)
            }
        }
    }

    /// A weight gradient's operands: the row images `rows` [N, M, S] (for `forward`, which makes
    /// the columns; `backward` has its rows), or for `backward` the `columnImages` to make the
    /// columns from; chunk 0 sums into `dW` [M, K], chunk 1 into
    /// `partial` (see `accumulatingWeightGradient`).
    struct WeightGradient {
        var rows: UnsafePointer<Float>?
        var columnImages: UnsafePointer<Float>?
        var dW: UnsafeMutablePointer<Float>, partial: UnsafeMutablePointer<Float>

        /// For `forward`: the row images [N, M, S].
        init(rows: UnsafePointer<Float>, dW: UnsafeMutablePointer<Float>, partial: UnsafeMutablePointer<Float>) {
            (self.rows, columnImages, self.dW, self.partial) = (rows, nil, dW, partial)
        }

        /// For `backward`: the column images, whose column matrices it makes again.
        init(columnImages: UnsafePointer<Float>, dW: UnsafeMutablePointer<Float>, partial: UnsafeMutablePointer<Float>) {
            (rows, self.columnImages, self.dW, self.partial) = (nil, columnImages, dW, partial)
        }

        /// dW += rows [M, columns] x col [K, columns]^T; chunk 1's first block overwrites `partial`.
        @inline(__always)
        func add(_ rows: UnsafePointer<Float>, _ col: UnsafePointer<Float>, columns: Int, chunk t: Int, first: Bool, _ g: ConvGEMM) {
            gemm(transB: true, m: g.m, n: g.k, k: columns, rows, col, beta: t == 0 || !first ? 1 : 0, t == 0 ? dW : partial)
        }
    }

    /// Runs `body(partial)` for a weight gradient into `dW`, then adds the second chunk's partial
    /// sum (in `partial`) into `dW`: the same bits on any thread count.
    func accumulatingWeightGradient(
        _ dW: UnsafeMutablePointer<Float>, partial: inout Workspace, enabled: Bool = true,
        _ body: (UnsafeMutablePointer<Float>) -> Void
    ) {
        if chunkCount == 1 || !enabled { return body(dW) }
        partial.withPointer(m * k) { p in
            body(p)
            StepProfile.measure(.copies) { for j in 0..<m * k { dW[j] += p[j] } }
        }
    }
}

/// Copies x [N, C, S] into channel-major [C, N * S].
@inline(__always)
func nchwToChannelMajor(_ x: UnsafePointer<Float>, n: Int, c: Int, s: Int, into out: UnsafeMutablePointer<Float>) {
    StepProfile.measure(.copies) {
        Parallel.forRanges(c, grain: max(1, 32768 / max(n * s, 1))) { channels in
            for ch in channels {
                for i in 0..<n { (out + ch * n * s + i * s).update(from: x + (i * c + ch) * s, count: s) }
            }
        }
    }
}

/// Copies channel-major [C, N * S] into x [N, C, S]; adds `bias[c]` when given.
@inline(__always)
func channelMajorToNCHW(
    _ cm: UnsafePointer<Float>, n: Int, c: Int, s: Int, bias: UnsafePointer<Float>?,
    into out: UnsafeMutablePointer<Float>
) {
    StepProfile.measure(.copies) {
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
}

/// Bias forward: y[n, c, :] += bias[c] for an NCHW buffer.
@inline(__always)
func addBias(_ y: UnsafeMutablePointer<Float>, n: Int, c: Int, s: Int, bias: UnsafePointer<Float>) {
    StepProfile.measure(.copies) {
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
}

/// Bias backward: db[c] += sum over n and s of dy[n, c, s].
@inline(__always)
func accumulateBiasGrad(_ dy: UnsafePointer<Float>, n: Int, c: Int, s: Int, into db: UnsafeMutablePointer<Float>) {
    StepProfile.measure(.copies) {
        Parallel.forRanges(c, grain: max(1, 32768 / max(n * s, 1))) { channels in
            for ch in channels {
                var acc: Float = 0
                for i in 0..<n {
                    var part = Lanes<Float>()
                    part.add(dy + (i * c + ch) * s, count: s) { $0 }
                    acc += part.total
                }
                db[ch] += acc
            }
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
