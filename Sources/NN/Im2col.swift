// im2col / col2im for 2-D convolution (Caffe `util/im2col.cpp`), for one image or a whole batch.
//
// Letters: N images, C channels, H x W input, KH x KW kernel, OH x OW output, S = OH * OW,
//   OH = (H + 2 * padH - KH) / strideH + 1.
// The column matrix has K = C * KH * KW rows. Row r = (c * KH + kh) * KW + kw, column
// n * S + oh * OW + ow holds x[n, c, oh * sH - pH + kh, ow * sW - pW + kw], or 0 in the padding.
// For a batch the matrix is [K, N * S]. Both go one image channel at a time through a zero-bordered
// copy of it (the C kernels in `Sources/CKernels`), which makes every row of every window a
// branch-free strided copy.

import CKernels

/// Geometry of one 2-D convolution window.
public struct ConvGeometry: Equatable, Sendable {
    public var channels: Int, height: Int, width: Int
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var padH: Int, padW: Int

    public init(
        channels: Int, height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    ) {
        self.channels = channels
        self.height = height
        self.width = width
        (kernelH, kernelW) = kernel
        (strideH, strideW) = stride
        (padH, padW) = padding
        precondition(
            outH >= 1 && outW >= 1,
            "convolution of \(height)x\(width) with kernel \(kernel), stride \(stride), padding \(padding) has no output")
    }

    public var outH: Int { (height + 2 * padH - kernelH) / strideH + 1 }
    public var outW: Int { (width + 2 * padW - kernelW) / strideW + 1 }
    /// Rows of the column matrix: C * KH * KW.
    public var colRows: Int { channels * kernelH * kernelW }
    /// Columns one image occupies: OH * OW.
    public var colCols: Int { outH * outW }
}

/// Writes images x[0..<count] (each C x H x W, `imageStride` apart) into the column matrix `col`
/// [K, count * S] with row stride `count * S`. Each channel of each image is copied into a
/// zero-bordered scratch plane first, so that every window row is one branch-free strided copy
/// (`exp_im2col_channel`; the C header says why the inner loops are C).
public func im2col(_ x: UnsafePointer<Float>, count: Int, imageStride: Int, _ g: ConvGeometry, into col: UnsafeMutablePointer<Float>) {
    StepProfile.measure(.im2col) {
        let geometry = g.kernelGeometry, ld = count * g.colCols
        forEachImageChannel(count: count, imageStride: imageStride, g) { plane, image, column in
            exp_im2col_channel(x + image, geometry, plane, col + column, ld)
        }
    }
}

/// Adds the column matrix `col` [K, count * S] back into images x[0..<count] (or, with `overwrite`,
/// writes them): the adjoint of `im2col`. Each channel of each image is summed in a zeroed scratch
/// plane, kernel offsets in row order, and its inside then added to (or written into) the image.
public func col2im(
    _ col: UnsafePointer<Float>, count: Int, imageStride: Int, _ g: ConvGeometry, into x: UnsafeMutablePointer<Float>,
    overwrite: Bool = false
) {
    StepProfile.measure(.im2col) {
        let geometry = g.kernelGeometry, ld = count * g.colCols
        forEachImageChannel(count: count, imageStride: imageStride, g) { plane, image, column in
            exp_col2im_channel(col + column, ld, geometry, plane, x + image, overwrite ? 1 : 0)
        }
    }
}

/// `body(plane, image, column)` for every channel of every one of `count` images: `image` is the
/// channel's offset among the images (`imageStride` apart), `column` that of its window rows in the
/// column matrix [K, count * S], and `plane` a zeroed scratch plane of this thread's own, as the C
/// kernels need. Threads take whole channels, so every write of channel c lands in channel c's
/// planes (col2im) or rows (im2col).
@inline(__always)
private func forEachImageChannel(
    count: Int, imageStride: Int, _ g: ConvGeometry, _ body: (UnsafeMutablePointer<Float>, Int, Int) -> Void
) {
    let ld = count * g.colCols, windowRows = g.kernelH * g.kernelW, geometry = g.kernelGeometry
    Parallel.forRanges(g.channels, grain: max(1, 32768 / max(windowRows * ld, 1))) { channels in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: exp_padded_plane_size(geometry)) { buffer in
            buffer.initialize(repeating: 0)
            for c in channels {
                for i in 0..<count {
                    body(buffer.baseAddress!, i * imageStride + c * g.height * g.width, c * windowRows * ld + i * g.colCols)
                }
            }
        }
    }
}

extension ConvGeometry {
    /// The geometry as the C kernels take it.
    var kernelGeometry: exp_conv_geometry {
        exp_conv_geometry(channels: channels, height: height, width: width, kernelH: kernelH, kernelW: kernelW,
                          strideH: strideH, strideW: strideW, padH: padH, padW: padW, outH: outH, outW: outW)
    }
}
