// 2-D convolution (cross-correlation, as in PyTorch's Conv2d) by im2col + sgemm.
//
//   x  [N, C, H, W]      weight [OC, C, KH, KW]     bias [OC]
//   y  [N, OC, OH, OW]   OH = (H + 2 * padding - KH) / stride + 1  (same for W)
//   forward:   col = im2col(x) [K, N*S]; y = W [OC, K] * col (+ bias)          K = C*KH*KW, S = OH*OW
//   backward:  dW += dy * col^T;  db += sum dy;  dcol = W^T * dy;  dx = col2im(dcol)
// The GEMM blocks are `ConvGEMM`'s forward, then weight and backward (M = OC).

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
        let blocks = ConvGEMM(g, rows: outChannels, batch: n, strategy: strategy)
        var y = Tensor(uninitialized: [n, outChannels, g.outH, g.outW])
        x.scalars.withUnsafeBufferPointer { px in
            weight.value.scalars.withUnsafeBufferPointer { pw in
                y.scalars.withUnsafeMutableBufferPointer { py in
                    blocks.forward(px.baseAddress!, pw.baseAddress!, bias: bias?.value, into: py.baseAddress!,
                                   col: &col, keepColumns: true, scratch: &scratch)
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        guard let g = geometry else { preconditionFailure("Conv2D.backward called before forward") }
        let n = inputShape[0], oc = outChannels
        precondition(dy.shape == [n, oc, g.outH, g.outW], "Conv2D.backward: dy \(dy.shape), output was \([n, oc, g.outH, g.outW])")
        let blocks = ConvGEMM(g, rows: oc, batch: n, strategy: strategy)
        var dx = Tensor(zeros: needsInputGradient ? inputShape : [0])
        dy.scalars.withUnsafeBufferPointer { pdy in
            let dyb = pdy.baseAddress!
            if let bias, bias.requiresGrad { bias.grad.scalars.withUnsafeMutableBufferPointer { accumulateBiasGrad(dyb, n: n, c: oc, s: g.colCols, into: $0.baseAddress!) } }
            blocks.withRows(dyb, scratch: &scratch) { rows in
                if weight.requiresGrad {
                    weight.grad.scalars.withUnsafeMutableBufferPointer { pdw in
                        col.withPointer(blocks.columnCount(all: true)) { pcol in
                            blocks.accumulatingWeightGradient(pdw.baseAddress!, partial: &partialGrad) { partial in
                                blocks.weight(pcol, .init(rows: rows, dW: pdw.baseAddress!, partial: partial))
                            }
                        }
                    }
                }
                guard needsInputGradient else { return }
                weight.value.scalars.withUnsafeBufferPointer { pw in
                    dx.scalars.withUnsafeMutableBufferPointer { blocks.backward(rows, pw.baseAddress!, into: $0.baseAddress!, dcol: &dcol) }
                }
            }
        }
        return dx
    }
}
