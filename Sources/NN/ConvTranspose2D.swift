// 2-D transposed convolution (PyTorch's ConvTranspose2d): the adjoint of Conv2D's input gradient,
// built from the same GEMM blocks in the other direction.
//
//   x  [N, C, H, W]      weight [C, OC, KH, KW]     bias [OC]
//   y  [N, OC, OH, OW]   OH = (H - 1) * stride - 2 * padding + KH + outputPadding  (same for W)
//   forward:   col = W^T [OC*KH*KW, C] * x [C, N*S] ;  y = col2im(col) (+ bias)      S = H*W
//   backward:  dcol = im2col(dy);  dW += x * dcol^T;  db += sum dy;  dx = W * dcol
// The GEMM blocks are `ConvGEMM`'s backward, then forward fused with weight (M = C), as Caffe's
// deconv layer. The im2col geometry is that of a convolution over the OUTPUT (size OH x OW, OC
// channels), whose result has the input's size H x W; output padding only adds rows/columns at the
// far edges.

public final class ConvTranspose2D: Layer {
    public let inChannels: Int, outChannels: Int
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), outputPadding: (Int, Int)
    public let weight: Parameter
    public let bias: Parameter?
    public var strategy: GEMMStrategy = .default

    private var input: Tensor?
    private var geometry: ConvGeometry?
    private var work = Workspace()
    private var partialGrad = Workspace()

    public init(
        _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
        outputPadding: Int = 0, bias: Bool = true
    ) {
        precondition(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0,
                     "ConvTranspose2D(\(inChannels), \(outChannels), kernel: \(kernel), stride: \(stride), padding: \(padding))")
        precondition(outputPadding >= 0 && outputPadding < stride,
                     "ConvTranspose2D: outputPadding \(outputPadding) must be in 0..<stride (\(stride))")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = (kernel, kernel)
        self.stride = (stride, stride)
        self.padding = (padding, padding)
        self.outputPadding = (outputPadding, outputPadding)
        weight = Parameter("weight", Tensor(zeros: [inChannels, outChannels, kernel, kernel]))
        self.bias = bias ? Parameter("bias", Tensor(zeros: [outChannels])) : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    /// Output height and width for an input of `h` x `w`.
    public func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        ((h - 1) * stride.0 - 2 * padding.0 + kernel.0 + outputPadding.0,
         (w - 1) * stride.1 - 2 * padding.1 + kernel.1 + outputPadding.1)
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        let (n, c, h, w) = x.nchw
        precondition(c == inChannels, "ConvTranspose2D expects \(inChannels) input channels, got shape \(x.shape)")
        let (oh, ow) = outputSize(h, w)
        let g = ConvGeometry(channels: outChannels, height: oh, width: ow, kernel: kernel, stride: stride, padding: padding)
        precondition(g.outH == h && g.outW == w, "ConvTranspose2D: geometry mismatch for input \(x.shape)")
        geometry = g
        // Kept for the weight gradient (x supplies its row images).
        input = x
        let blocks = ConvGEMM(g, rows: c, batch: n, strategy: strategy)
        var y = Tensor(uninitialized: [n, outChannels, oh, ow])
        x.scalars.withUnsafeBufferPointer { px in
            weight.value.scalars.withUnsafeBufferPointer { pw in
                y.scalars.withUnsafeMutableBufferPointer { py in
                    let yb = py.baseAddress!
                    blocks.backward(px.baseAddress!, pw.baseAddress!, into: yb, overwrite: true, work: &work)
                    if let bias {
                        bias.value.scalars.withUnsafeBufferPointer { addBias(yb, n: n, c: outChannels, s: oh * ow, bias: $0.baseAddress!) }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let g = geometry, let x = input else { preconditionFailure("ConvTranspose2D.backward called before a forward pass that keeps its input") }
        let n = x.shape[0], oc = outChannels
        precondition(dy.shape == [n, oc, g.height, g.width], "ConvTranspose2D.backward: dy \(dy.shape), output was \([n, oc, g.height, g.width])")
        let blocks = ConvGEMM(g, rows: inChannels, batch: n, strategy: strategy)
        var dx = Tensor(uninitialized: x.shape)
        dy.scalars.withUnsafeBufferPointer { pdy in
            let dyb = pdy.baseAddress!
            if let bias, bias.requiresGrad { bias.grad.scalars.withUnsafeMutableBufferPointer { accumulateBiasGrad(dyb, n: n, c: oc, s: g.height * g.width, into: $0.baseAddress!) } }
            x.scalars.withUnsafeBufferPointer { px in
                weight.value.scalars.withUnsafeBufferPointer { pw in
                    weight.grad.scalars.withUnsafeMutableBufferPointer { pdw in
                        dx.scalars.withUnsafeMutableBufferPointer { pdx in
                            let dwb = pdw.baseAddress!, needsWeightGradient = weight.requiresGrad
                            blocks.accumulatingWeightGradient(dwb, partial: &partialGrad, enabled: needsWeightGradient) { partial in
                                blocks.forward(dyb, pw.baseAddress!, bias: nil, into: pdx.baseAddress!, work: &work,
                                               weightGradient: needsWeightGradient ? .init(rows: px.baseAddress!, dW: dwb, partial: partial) : nil)
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
