// im2col / col2im for 2-D convolution (Caffe `util/im2col.cpp`), for one image or a whole batch.
//
// Letters: N images, C channels, H x W input, KH x KW kernel, OH x OW output, S = OH * OW,
//   OH = (H + 2 * padH - KH) / strideH + 1.
// The column matrix has K = C * KH * KW rows. Row r = (c * KH + kh) * KW + kw, column
// n * S + oh * OW + ow holds x[n, c, oh * sH - pH + kh, ow * sW - pW + kw], or 0 in the padding.
// For a batch the matrix is [K, N * S]; it is filled row by row, images innermost, so that writes
// stream through memory (filling image by image would touch every row N times with short strided
// writes, several times slower).

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

    /// For kernel column kw, the output columns lo..<hi whose input column lies inside the image.
    @inline(__always)
    func validColumns(_ kw: Int) -> (lo: Int, hi: Int) {
        let off = kw - padW, ow = outW
        let lo = off >= 0 ? 0 : min(ow, (-off + strideW - 1) / strideW)
        return (lo, max(lo, min(ow, (width - 1 - off) / strideW + 1)))
    }
}

/// Writes images x[0..<count] (each C x H x W, `imageStride` apart) into the column matrix `col`
/// [K, count * S] with row stride `count * S`.
public func im2col(_ x: UnsafePointer<Float>, count: Int, imageStride: Int, _ g: ConvGeometry, into col: UnsafeMutablePointer<Float>) {
    StepProfile.measure(.im2col) {
        let oh = g.outH, ow = g.outW, h = g.height, w = g.width, s = g.colCols, ld = count * s
        let sh = g.strideH, sw = g.strideW
        let perChannel = g.kernelH * g.kernelW * ld
        // One past the last input value: a vector load may read past its row, not past this.
        let end = x + (count - 1) * imageStride + g.channels * h * w
        Parallel.forRanges(g.channels, grain: max(1, 32768 / max(perChannel, 1))) { channels in
        for c in channels {
            var row = c * g.kernelH * g.kernelW
            for kh in 0..<g.kernelH {
                for kw in 0..<g.kernelW {
                    let (lo, hi) = g.validColumns(kw)
                    let off = kw - g.padW
                    for i in 0..<count {
                        let xc = x + i * imageStride + c * h * w
                        let dst = col + row * ld + i * s
                        for y in 0..<oh {
                            let iy = y * sh - g.padH + kh
                            let d = dst + y * ow
                            if iy < 0 || iy >= h {
                                d.update(repeating: 0, count: ow)
                                continue
                            }
                            let src = xc + iy * w + off
                            var xo = 0
                            while xo < lo { d[xo] = 0; xo += 1 }
                            if sw == 1 {
                                (d + lo).update(from: src + lo, count: hi - lo)
                            } else if sw == 2 {
                                gatherEven(src, into: d, lo, hi, readable: end - src)
                            } else {
                                while xo < hi { d[xo] = src[sw * xo]; xo += 1 }
                            }
                            xo = hi
                            while xo < ow { d[xo] = 0; xo += 1 }
                        }
                    }
                    row += 1
                }
            }
        }
        }
    }
}

/// Adds the column matrix `col` [K, count * S] back into images x[0..<count]: the adjoint of
/// `im2col`. The images are accumulated into, not overwritten.
public func col2im(_ col: UnsafePointer<Float>, count: Int, imageStride: Int, _ g: ConvGeometry, into x: UnsafeMutablePointer<Float>) {
    StepProfile.measure(.im2col) {
        let oh = g.outH, ow = g.outW, h = g.height, w = g.width, s = g.colCols, ld = count * s
        let sh = g.strideH, sw = g.strideW
        let perChannel = g.kernelH * g.kernelW * ld
        // Threads take whole channels: every write of channel c lands in channel c's planes.
        Parallel.forRanges(g.channels, grain: max(1, 32768 / max(perChannel, 1))) { channels in
        for c in channels {
            var row = c * g.kernelH * g.kernelW
            for kh in 0..<g.kernelH {
                for kw in 0..<g.kernelW {
                    let (lo, hi) = g.validColumns(kw)
                    let off = kw - g.padW
                    for i in 0..<count {
                        let xc = x + i * imageStride + c * h * w
                        let srcRow = col + row * ld + i * s
                        for y in 0..<oh {
                            let iy = y * sh - g.padH + kh
                            if iy < 0 || iy >= h { continue }
                            let src = srcRow + y * ow
                            let dst = xc + iy * w + off
                            var xo = lo
                            if sw == 2 {
                                scatterAddEven(src, into: dst, lo, hi, rowEnd: w - off)
                            } else {
                                while xo < hi { dst[sw * xo] += src[xo]; xo += 1 }
                            }
                        }
                    }
                    row += 1
                }
            }
        }
        }
    }
}

/// d[j] = src[2 * j] for j in lo..<hi: sixteen (or eight) values loaded at once and their even
/// lanes kept. A load may reach past the image row into the next (the odd lanes, never used), not
/// past src[readable - 1], the input's last value.
/// (Splitting each input row into its even and odd columns first, so that every copy is
/// contiguous, was measured too: no faster for im2col and 35% slower for col2im on the 64x64
/// HA-GAN layers, `exp bench engine`, AMD EPYC AVX-512.)
@inline(__always)
private func gatherEven(_ src: UnsafePointer<Float>, into d: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int, readable: Int) {
    var j = lo
    while j + 8 <= hi && 2 * j + 16 <= readable {
        let v = UnsafeRawPointer(src + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(d + j).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
        j += 8
    }
    while j + 4 <= hi && 2 * j + 8 <= readable {
        let v = UnsafeRawPointer(src + 2 * j).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(d + j).storeBytes(of: v.evenHalf, as: SIMD4<Float>.self)
        j += 4
    }
    while j < hi { d[j] = src[2 * j]; j += 1 }
}

/// dst[2 * j] += src[j] for j in lo..<hi, the same additions as one at a time: sixteen (or eight)
/// values of dst loaded, their even lanes added to and all stored back, the odd lanes unchanged.
/// A store never reaches dst[rowEnd], so it stays in the image row, which only this thread writes.
@inline(__always)
private func scatterAddEven(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int, rowEnd: Int) {
    var j = lo
    while j + 8 <= hi && 2 * j + 16 <= rowEnd {
        let p = UnsafeMutableRawPointer(dst + 2 * j)
        var v = p.loadUnaligned(as: SIMD16<Float>.self)
        v.evenHalf += UnsafeRawPointer(src + j).loadUnaligned(as: SIMD8<Float>.self)
        p.storeBytes(of: v, as: SIMD16<Float>.self)
        j += 8
    }
    while j + 4 <= hi && 2 * j + 8 <= rowEnd {
        let p = UnsafeMutableRawPointer(dst + 2 * j)
        var v = p.loadUnaligned(as: SIMD8<Float>.self)
        v.evenHalf += UnsafeRawPointer(src + j).loadUnaligned(as: SIMD4<Float>.self)
        p.storeBytes(of: v, as: SIMD8<Float>.self)
        j += 4
    }
    while j < hi { dst[2 * j] += src[j]; j += 1 }
}
