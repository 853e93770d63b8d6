// Element-wise activations. Each caches what its derivative needs (input or output).
//
//   ReLU       y = max(x, 0)                  dx = dy * [x > 0]
//   LeakyReLU  y = x > 0 ? x : slope * x      dx = dy * (x > 0 ? 1 : slope)
//   Tanh       y = tanh(x)                    dx = dy * (1 - y^2)
//   Sigmoid    y = 1 / (1 + e^-x)             dx = dy * y * (1 - y)

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Applies `f` element-wise into a new tensor.
@inline(__always)
func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
    StepProfile.measure(.activations) { mapKernel(x, f) }
}

@inline(__always)
private func mapKernel(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
    var y = Tensor(uninitialized: x.shape)
    x.scalars.withUnsafeBufferPointer { px in
        y.scalars.withUnsafeMutableBufferPointer { py in
            let src = px.baseAddress!, dst = py.baseAddress!
            Parallel.forRanges(px.count, grain: 32768) { r in
                for i in r { dst[i] = f(src[i]) }
            }
        }
    }
    return y
}

/// dx[i] = dy[i] * f(cached[i]).
@inline(__always)
func chain(_ dy: Tensor, _ cached: Tensor, _ f: (Float) -> Float) -> Tensor {
    precondition(dy.shape == cached.shape, "activation backward: dy \(dy.shape), forward was \(cached.shape)")
    return StepProfile.measure(.activations) { chainKernel(dy, cached, f) }
}

@inline(__always)
private func chainKernel(_ dy: Tensor, _ cached: Tensor, _ f: (Float) -> Float) -> Tensor {
    var dx = Tensor(uninitialized: dy.shape)
    dy.scalars.withUnsafeBufferPointer { g in
        cached.scalars.withUnsafeBufferPointer { c in
            dx.scalars.withUnsafeMutableBufferPointer { d in
                let pg = g.baseAddress!, pc = c.baseAddress!, pd = d.baseAddress!
                Parallel.forRanges(g.count, grain: 32768) { r in
                    for i in r { pd[i] = pg[i] * f(pc[i]) }
                }
            }
        }
    }
    return dx
}

public final class ReLU: Layer {
    private var input = Tensor(zeros: [0])
    public init() {}
    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        input = x
        return map(x) { $0 > 0 ? $0 : 0 }
    }
    public func backward(_ dy: Tensor) -> Tensor { chain(dy, input) { $0 > 0 ? 1 : 0 } }
}

public final class LeakyReLU: Layer {
    public let slope: Float
    private var input = Tensor(zeros: [0])
    public init(slope: Float = 0.2) { self.slope = slope }
    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        input = x
        let a = slope
        return map(x) { $0 > 0 ? $0 : a * $0 }
    }
    public func backward(_ dy: Tensor) -> Tensor {
        let a = slope
        return chain(dy, input) { $0 > 0 ? 1 : a }
    }
}

public final class Tanh: Layer {
    private var output = Tensor(zeros: [0])
    public init() {}
    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        output = map(x) { tanhf($0) }
        return output
    }
    public func backward(_ dy: Tensor) -> Tensor { chain(dy, output) { 1 - $0 * $0 } }
}

public final class Sigmoid: Layer {
    private var output = Tensor(zeros: [0])
    public init() {}
    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        output = map(x) { 1 / (1 + expf(-$0)) }
        return output
    }
    public func backward(_ dy: Tensor) -> Tensor { chain(dy, output) { $0 * (1 - $0) } }
}

/// Inverted dropout: in train mode each value is zeroed with probability `rate` and the survivors
/// are scaled by 1 / (1 - rate); eval mode is the identity. The mask comes from the layer's own
/// seeded stream, given at construction.
public final class Dropout: Layer {
    public let rate: Float
    public var generator: SeededGenerator
    private var mask = Tensor(zeros: [0])

    public init(rate: Float, generator: SeededGenerator) {
        precondition(rate >= 0 && rate < 1, "Dropout rate must be in [0, 1), got \(rate)")
        self.rate = rate
        self.generator = generator
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        guard mode == .train, rate > 0 else {
            mask = Tensor(repeating: 1, shape: x.shape)
            return x
        }
        let keep = 1 / (1 - rate)
        mask = Tensor(zeros: x.shape)
        for i in 0..<mask.count { mask.scalars[i] = generator.uniform() < rate ? 0 : keep }
        var y = x
        for i in 0..<y.count { y.scalars[i] *= mask.scalars[i] }
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor { chain(dy, mask) { $0 } }
}
