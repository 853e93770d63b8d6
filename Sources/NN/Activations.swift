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

/// An element-wise function as a type: kernels are specialised for it, so that it is inlined on
/// every thread (a closure captured by the work `Parallel` hands to a second thread is called
/// through a pointer, value by value: 2-3x slower).
protocol Elementwise {
    func callAsFunction(_ x: Float) -> Float
}

/// Applies `f` element-wise into a new tensor.
@inline(__always)
func map<F: Elementwise>(_ x: Tensor, _ f: F) -> Tensor {
    StepProfile.measure(.activations) { mapKernel(x, f) }
}

@inline(__always)
private func mapKernel<F: Elementwise>(_ x: Tensor, _ f: F) -> Tensor {
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
func chain<F: Elementwise>(_ dy: Tensor, _ cached: Tensor, _ f: F) -> Tensor {
    precondition(dy.shape == cached.shape, "activation backward: dy \(dy.shape), forward was \(cached.shape)")
    return StepProfile.measure(.activations) { chainKernel(dy, cached, f) }
}

@inline(__always)
private func chainKernel<F: Elementwise>(_ dy: Tensor, _ cached: Tensor, _ f: F) -> Tensor {
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

/// max(x, 0) and its derivative at x.
struct ReLUValue: Elementwise { func callAsFunction(_ x: Float) -> Float { x > 0 ? x : 0 } }
struct ReLUSlope: Elementwise { func callAsFunction(_ x: Float) -> Float { x > 0 ? 1 : 0 } }
/// x > 0 ? x : a * x and its derivative at x.
struct LeakyValue: Elementwise { let a: Float; func callAsFunction(_ x: Float) -> Float { x > 0 ? x : a * x } }
struct LeakySlope: Elementwise { let a: Float; func callAsFunction(_ x: Float) -> Float { x > 0 ? 1 : a } }
/// tanh(x), and its derivative from the output y.
struct TanhValue: Elementwise { func callAsFunction(_ x: Float) -> Float { tanhf(x) } }
struct TanhSlope: Elementwise { func callAsFunction(_ y: Float) -> Float { 1 - y * y } }
/// The logistic function, and its derivative from the output y.
struct SigmoidValue: Elementwise { func callAsFunction(_ x: Float) -> Float { 1 / (1 + expf(-x)) } }
struct SigmoidSlope: Elementwise { func callAsFunction(_ y: Float) -> Float { y * (1 - y) } }
/// The value itself (a dropout mask is the derivative).
struct Identity: Elementwise { func callAsFunction(_ x: Float) -> Float { x } }

public final class ReLU: Layer {
    private var input = Tensor(zeros: [0])
    public init() {}
    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        input = x
        return map(x, ReLUValue())
    }
    public func backward(_ dy: Tensor) -> Tensor { chain(dy, input, ReLUSlope()) }
}

public final class LeakyReLU: Layer {
    public let slope: Float
    private var input = Tensor(zeros: [0])
    public init(slope: Float = 0.2) { self.slope = slope }
    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        input = x
        return map(x, LeakyValue(a: slope))
    }
    public func backward(_ dy: Tensor) -> Tensor { chain(dy, input, LeakySlope(a: slope)) }
}

public final class Tanh: Layer {
    private var output = Tensor(zeros: [0])
    public init() {}
    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        output = map(x, TanhValue())
        return output
    }
    public func backward(_ dy: Tensor) -> Tensor { chain(dy, output, TanhSlope()) }
}

public final class Sigmoid: Layer {
    private var output = Tensor(zeros: [0])
    public init() {}
    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        output = map(x, SigmoidValue())
        return output
    }
    public func backward(_ dy: Tensor) -> Tensor { chain(dy, output, SigmoidSlope()) }
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

    public func backward(_ dy: Tensor) -> Tensor { chain(dy, mask, Identity()) }
}
