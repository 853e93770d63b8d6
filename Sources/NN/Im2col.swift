// im2col / col2im for 2-D convolution (Caffe `util/im2col.cpp`), written into / read from a column
// block of a wider matrix so that a whole batch shares one GEMM.
//
// Letters: C channels, H x W input, KH x KW kernel, OH x OW output,
//   OH = (H + 2 * padH - KH) / strideH + 1.
// The column matrix has C * KH * KW rows; image n owns columns [n * OH*OW, (n+1) * OH*OW) of a
// matrix whose row stride is `ld` (N * OH * OW for a batch, OH * OW for one image).
// Row r = (c * KH + kh) * KW + kw, column oh * OW + ow holds x[c, oh*s - p + kh, ow*s - p + kw],
// or 0 where that falls in the padding.

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

/// Writes image `x` (C x H x W) into the column block starting at `col`, row stride `ld`.
@inline(__always)
public func im2col(
    _ x: UnsafePointer<Float>, _ g: ConvGeometry, into col: UnsafeMutablePointer<Float>, ld: Int
) {
    let oh = g.outH, ow = g.outW, h = g.height, w = g.width
    let sh = g.strideH, sw = g.strideW
    var row = 0
    for c in 0..<g.channels {
        let xc = x + c * h * w
        for kh in 0..<g.kernelH {
            for kw in 0..<g.kernelW {
                let dst = col + row * ld
                for y in 0..<oh {
                    let iy = y * sh - g.padH + kh
                    let d = dst + y * ow
                    if iy < 0 || iy >= h {
                        d.update(repeating: 0, count: ow)
                        continue
                    }
                    let src = xc + iy * w
                    // Output columns whose input column lies inside the image: lo..<hi.
                    let off = kw - g.padW
                    let lo = off >= 0 ? 0 : min(ow, (-off + sw - 1) / sw)
                    let hi = max(lo, min(ow, (w - 1 - off) / sw + 1))
                    for xo in 0..<lo { d[xo] = 0 }
                    if sw == 1 {
                        (d + lo).update(from: src + lo + off, count: hi - lo)
                    } else {
                        var ix = lo * sw + off
                        for xo in lo..<hi {
                            d[xo] = src[ix]
                            ix += sw
                        }
                    }
                    for xo in hi..<ow { d[xo] = 0 }
                }
                row += 1
            }
        }
    }
}

/// Adds the column block at `col` (row stride `ld`) back into image `x` (C x H x W): the adjoint
/// of `im2col`. `x` is accumulated into, not overwritten.
@inline(__always)
public func col2im(
    _ col: UnsafePointer<Float>, ld: Int, _ g: ConvGeometry, into x: UnsafeMutablePointer<Float>
) {
    let oh = g.outH, ow = g.outW, h = g.height, w = g.width
    let sh = g.strideH, sw = g.strideW
    var row = 0
    for c in 0..<g.channels {
        let xc = x + c * h * w
        for kh in 0..<g.kernelH {
            for kw in 0..<g.kernelW {
                let srcRow = col + row * ld
                let off = kw - g.padW
                let lo = off >= 0 ? 0 : min(ow, (-off + sw - 1) / sw)
                let hi = max(lo, min(ow, (w - 1 - off) / sw + 1))
                for y in 0..<oh {
                    let iy = y * sh - g.padH + kh
                    if iy < 0 || iy >= h { continue }
                    let s = srcRow + y * ow
                    let dst = xc + iy * w
                    var ix = lo * sw + off
                    for xo in lo..<hi {
                        dst[ix] += s[xo]
                        ix += sw
                    }
                }
                row += 1
            }
        }
    }
}
