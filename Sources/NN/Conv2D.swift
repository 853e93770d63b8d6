// 2-D convolution (cross-correlation, as in PyTorch's Conv2d) by im2col + sgemm.
//
//   x  [N, C, H, W]      weight [OC, C, KH, KW]     bias [OC]
//   y  [N, OC, OH, OW]   OH = (H + 2 * padding - KH) / stride + 1  (same for W)
//   forward:   col = im2col(x) [K, N*S]; y = W [OC, K] * col (+ bias)          K = C*KH*KW, S = OH*OW
//   backward:  dW += dy * col^T;  db += sum dy;  dcol = W^T * dy;  dx = col2im(dcol)

public final class Conv2D: Layer {
    public let inChannels: Int, outChannels: Int
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    public let weight: Parameter
    public let bias: Parameter?
    public var strategy: GEMMStrategy = .default
    /// When false, `backward` skips the input gradient (first layer on data) and returns an empty tensor.
    public var needsInputGradient = true

    private var inputShape: [Int] = []
    private var geometry: ConvGeometry?
    private var col = Workspace()
    private var scratch = Workspace()
    private var dcol = Workspace()
    private var partialGrad = Workspace()

    public init(
        _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
        bias: Bool = true
    ) {
        precondition(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0,
                     "Conv2D(\(inChannels), \(outChannels), kernel: \(kernel), stride: \(stride), padding: \(padding))")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = (kernel, kernel)
        self.stride = (stride, stride)
        self.padding = (padding, padding)
        weight = Parameter("weight", Tensor(zeros: [outChannels, inChannels, kernel, kernel]))
        self.bias = bias ? Parameter("bias", Tensor(zeros: [outChannels])) : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        let (n, c, h, w) = x.nchw
        precondition(c == inChannels, "Conv2D expects \(inChannels) input channels, got shape \(x.shape)")
        let g = ConvGeometry(channels: c, height: h, width: w, kernel: kernel, stride: stride, padding: padding)
        geometry = g
        inputShape = x.shape
        let k = g.colRows, s = g.colCols, oc = outChannels
        let colCount = k * n * s
        col.reserve(colCount)
        var y = Tensor(uninitialized: [n, oc, g.outH, g.outW])
        x.scalars.withUnsafeBufferPointer { px in
            weight.value.scalars.withUnsafeBufferPointer { pw in
                col.withPointer(colCount) { pcol in
                    y.scalars.withUnsafeMutableBufferPointer { py in
                        let xb = px.baseAddress!, wb = pw.baseAddress!, yb = py.baseAddress!
                        switch strategy.resolved(columnsPerImage: s) {
                        case .batched:
                            im2col(xb, count: n, imageStride: c * h * w, g, into: pcol)
                            scratch.withPointer(oc * n * s) { ycm in
                                gemm(m: oc, n: n * s, k: k, wb, pcol, ycm)
                                withBias { channelMajorToNCHW(ycm, n: n, c: oc, s: s, bias: $0, into: yb) }
                            }
                        case .perImage, .automatic:
                            ImageChunks.run(n) { _, images in
                                for i in images {
                                    let ci = pcol + i * k * s
                                    im2col(xb + i * c * h * w, g, into: ci)
                                    gemm(m: oc, n: s, k: k, wb, ci, yb + i * oc * s)
                                }
                            }
                            withBias { if let b = $0 { addBias(yb, n: n, c: oc, s: s, bias: b) } }
                        }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let g = geometry else { preconditionFailure("Conv2D.backward called before forward") }
        let n = inputShape[0], k = g.colRows, s = g.colCols, oc = outChannels
        precondition(dy.shape == [n, oc, g.outH, g.outW], "Conv2D.backward: dy \(dy.shape), output was \([n, oc, g.outH, g.outW])")
        var dx = Tensor(zeros: needsInputGradient ? inputShape : [0])
        let imageSize = g.channels * g.height * g.width
        dy.scalars.withUnsafeBufferPointer { pdy in
            let dyb = pdy.baseAddress!
            if let bias, bias.requiresGrad { bias.grad.scalars.withUnsafeMutableBufferPointer { accumulateBiasGrad(dyb, n: n, c: oc, s: s, into: $0.baseAddress!) } }
            col.withPointer(k * n * s) { pcol in
                weight.value.scalars.withUnsafeBufferPointer { pw in
                    weight.grad.scalars.withUnsafeMutableBufferPointer { pdw in
                        dx.scalars.withUnsafeMutableBufferPointer { pdx in
                            let wb = pw.baseAddress!, dwb = pdw.baseAddress!
                            switch strategy.resolved(columnsPerImage: s) {
                            case .batched:
                                scratch.withPointer(oc * n * s) { dycm in
                                    nchwToChannelMajor(dyb, n: n, c: oc, s: s, into: dycm)
                                    if weight.requiresGrad { gemm(transB: true, m: oc, n: k, k: n * s, dycm, pcol, beta: 1, dwb) }
                                    guard needsInputGradient else { return }
                                    dcol.withPointer(k * n * s) { pdc in
                                        gemm(transA: true, m: k, n: n * s, k: oc, wb, dycm, pdc)
                                        col2im(pdc, count: n, imageStride: imageSize, g, into: pdx.baseAddress!)
                                    }
                                }
                            case .perImage, .automatic:
                                let needsWeightGradient = weight.requiresGrad, needsInputGradient = needsInputGradient
                                let dxb = pdx.baseAddress
                                partialGrad.accumulate(into: dwb, count: weight.value.count, enabled: needsWeightGradient) { partial in
                                    dcol.withPointer(ImageChunks.count * k * s) { pdcAll in
                                        ImageChunks.run(n) { t, images in
                                            if needsWeightGradient {
                                                for i in images {
                                                    gemm(transB: true, m: oc, n: k, k: s, dyb + i * oc * s, pcol + i * k * s,
                                                         beta: t == 0 || i > images.lowerBound ? 1 : 0, t == 0 ? dwb : partial)
                                                }
                                            }
                                            guard needsInputGradient, let dxb else { return }
                                            let pdc = pdcAll + t * k * s
                                            for i in images {
                                                gemm(transA: true, m: k, n: s, k: oc, wb, dyb + i * oc * s, pdc)
                                                col2im(pdc, g, into: dxb + i * imageSize)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    private func withBias(_ body: (UnsafePointer<Float>?) -> Void) {
        if let bias {
            bias.value.scalars.withUnsafeBufferPointer { body($0.baseAddress!) }
        } else {
            body(nil)
        }
    }
}
