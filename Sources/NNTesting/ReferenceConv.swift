// Naive loop implementations of convolution and transposed convolution (PyTorch semantics), the
// slow, obviously-correct references that the im2col + sgemm kernels are compared with.

import NN

/// y[n, o, i, j] = b[o] + sum_{c, kh, kw} w[o, c, kh, kw] * x[n, c, i*s - p + kh, j*s - p + kw]
public func naiveConv2D(_ x: Tensor, weight w: Tensor, bias b: Tensor?, stride s: Int, padding p: Int) -> Tensor {
    let (n, c, h, wd) = x.nchw
    let (oc, _, kh, kw) = w.nchw
    let oh = (h + 2 * p - kh) / s + 1, ow = (wd + 2 * p - kw) / s + 1
    var y = Tensor(zeros: [n, oc, oh, ow])
    for ni in 0..<n {
        for o in 0..<oc {
            for i in 0..<oh {
                for j in 0..<ow {
                    var acc = Double(b?.scalars[o] ?? 0)
                    for ci in 0..<c {
                        for u in 0..<kh {
                            for v in 0..<kw {
                                let yy = i * s - p + u, xx = j * s - p + v
                                guard yy >= 0, yy < h, xx >= 0, xx < wd else { continue }
                                acc += Double(w.scalars[((o * c + ci) * kh + u) * kw + v])
                                    * Double(x.scalars[((ni * c + ci) * h + yy) * wd + xx])
                            }
                        }
                    }
                    y.scalars[((ni * oc + o) * oh + i) * ow + j] = Float(acc)
                }
            }
        }
    }
    return y
}

/// Scatter form: every input pixel x[n, c, i, j] adds w[c, o, kh, kw] * x to
/// y[n, o, i*s - p + kh, j*s - p + kw]; output size (H - 1) s - 2p + KH + outputPadding.
public func naiveConvTranspose2D(
    _ x: Tensor, weight w: Tensor, bias b: Tensor?, stride s: Int, padding p: Int, outputPadding op: Int
) -> Tensor {
    let (n, c, h, wd) = x.nchw
    let (_, oc, kh, kw) = w.nchw
    let oh = (h - 1) * s - 2 * p + kh + op, ow = (wd - 1) * s - 2 * p + kw + op
    var acc = [Double](repeating: 0, count: n * oc * oh * ow)
    for ni in 0..<n {
        for ci in 0..<c {
            for i in 0..<h {
                for j in 0..<wd {
                    let xv = Double(x.scalars[((ni * c + ci) * h + i) * wd + j])
                    for o in 0..<oc {
                        for u in 0..<kh {
                            for v in 0..<kw {
                                let yy = i * s - p + u, xx = j * s - p + v
                                guard yy >= 0, yy < oh, xx >= 0, xx < ow else { continue }
                                acc[((ni * oc + o) * oh + yy) * ow + xx] += xv * Double(w.scalars[((ci * oc + o) * kh + u) * kw + v])
                            }
                        }
                    }
                }
            }
        }
    }
    var y = Tensor(zeros: [n, oc, oh, ow])
    for ni in 0..<n {
        for o in 0..<oc {
            for k in 0..<(oh * ow) {
                let idx = (ni * oc + o) * oh * ow + k
                y.scalars[idx] = Float(acc[idx] + Double(b?.scalars[o] ?? 0))
            }
        }
    }
    return y
}

/// Largest |a - b| over all elements.
public func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape, "maxAbsDifference: shapes \(a.shape) vs \(b.shape)")
    var m: Float = 0
    for i in 0..<a.count { m = max(m, abs(a.scalars[i] - b.scalars[i])) }
    return m
}
