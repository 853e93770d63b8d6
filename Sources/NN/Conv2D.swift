// 2-D convolution (cross-correlation, as in PyTorch's Conv2d) by im2col + sgemm.
//
//   x  [N, C, H, W]      weight [OC, C, KH, KW]     bias [OC]
//   y  [N, OC, OH, OW]   OH = (H + 2 * padding - KH) / stride + 1  (same for W)
//   forward:   col = im2col(x) [K, N*S]; y = W [OC, K] * col (+ bias)          K = C*KH*KW, S = OH*OW
//   backward:  dW += dy * col^T;  db += sum dy;  dcol = W^T * dy;  dx = col2im(dcol)
// The GEMM blocks are `ConvGEMM`'s forward, then backward with the weight gradient (M = OC), which
// makes each block's column matrix again from the input. (Keeping the forward pass's column
// matrices for it instead, 4x the input's size, sent them through memory and back: 1.6% slower
// for HA-GAN training at 1 thread, 2% at 2, 4% for the CNN, `exp bench train`, AMD EPYC.)

public final class Conv2D: Layer {
    public let inChannels: Int, outChannels: Int
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    public let weight: Parameter
    public let bias: Parameter?
    public var strategy: GEMMStrategy = .default
    /// When false, `backward` skips the input gradient (first layer on data) and returns an empty tensor.
    public var needsInputGradient = true

    /// The last forward pass's input (kept by reference, not copied).
    private var input: Tensor?
    private var geometry: ConvGeometry?
    private var work = Workspace()
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
        input = x
        let blocks = ConvGEMM(g, rows: outChannels, batch: n, strategy: strategy)
        var y = Tensor(uninitialized: [n, outChannels, g.outH, g.outW])
        x.scalars.withUnsafeBufferPointer { px in
            weight.value.scalars.withUnsafeBufferPointer { pw in
                y.scalars.withUnsafeMutableBufferPointer { py in
                    withBias { pb in
                        blocks.forward(px.baseAddress!, pw.baseAddress!, bias: pb, into: py.baseAddress!, work: &work)
                    }
                }
            }
        }
        return y
    }

    private func withBias<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let bias else { return body(nil) }
        return bias.value.scalars.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let g = geometry, let x = input else { preconditionFailure("Conv2D.backward called before forward") }
        let shape = x.shape, n = shape[0], oc = outChannels
        precondition(dy.shape == [n, oc, g.outH, g.outW], "Conv2D.backward: dy \(dy.shape), output was \([n, oc, g.outH, g.outW])")
        let needsWeightGradient = weight.requiresGrad
        let blocks = ConvGEMM(g, rows: oc, batch: n, strategy: strategy)
        var dx = Tensor(uninitialized: needsInputGradient ? shape : [0])
        dy.scalars.withUnsafeBufferPointer { pdy in
            let dyb = pdy.baseAddress!
            if let bias, bias.requiresGrad { bias.grad.scalars.withUnsafeMutableBufferPointer { accumulateBiasGrad(dyb, n: n, c: oc, s: g.colCols, into: $0.baseAddress!) } }
            x.scalars.withUnsafeBufferPointer { px in
                weight.value.scalars.withUnsafeBufferPointer { pw in
                    weight.grad.scalars.withUnsafeMutableBufferPointer { pdw in
                        dx.scalars.withUnsafeMutableBufferPointer { pdx in
                            let dwb = pdw.baseAddress!, dxb = needsInputGradient ? pdx.baseAddress! : nil
                            blocks.accumulatingWeightGradient(dwb, partial: &partialGrad, enabled: needsWeightGradient) { partial in
                                let gradient: ConvGEMM.WeightGradient? = !needsWeightGradient ? nil
                                    : .init(columnImages: px.baseAddress!, dW: dwb, partial: partial)
                                blocks.backward(dyb, pw.baseAddress!, into: dxb, overwrite: true, work: &work, weightGradient: gradient)
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
