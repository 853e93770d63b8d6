// Adam (Kingma and Ba 2015) with bias correction, as PyTorch's torch.optim.Adam:
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
//   p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
// Moments live in the optimiser, one pair per parameter, in parameter order.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct AdamSettings: Equatable, Sendable, Codable {
    public var lr: Float
    public var beta1: Float
    public var beta2: Float
    public var eps: Float

    /// The paper's settings (section 5.1): lr 2e-4, beta1 0.5; beta2 and eps as PyTorch.
    public init(lr: Float = 0.0002, beta1: Float = 0.5, beta2: Float = 0.999, eps: Float = 1e-8) {
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
    }
}

public final class Adam {
    public let parameters: [Parameter]
    public var settings: AdamSettings
    /// Steps taken so far (t in the bias correction).
    public private(set) var step = 0
    public private(set) var m: [Tensor]
    public private(set) var v: [Tensor]

    public init(_ parameters: [Parameter], settings: AdamSettings = AdamSettings()) {
        self.parameters = parameters.filter { $0.trainable }
        self.settings = settings
        m = self.parameters.map { Tensor(zeros: $0.value.shape) }
        v = m
    }

    /// One update from the accumulated gradients (which are left as they are).
    public func update() {
        StepProfile.measure(.optimizer) { applyUpdate() }
    }

    private func applyUpdate() {
        step += 1
        let s = settings
        let c1 = 1 - powf(s.beta1, Float(step)), c2 = 1 - powf(s.beta2, Float(step))
        let stepSize = s.lr / c1
        let c2root = c2.squareRoot()
        for (i, p) in parameters.enumerated() {
            p.value.scalars.withUnsafeMutableBufferPointer { w in
                p.grad.scalars.withUnsafeBufferPointer { g in
                    m[i].scalars.withUnsafeMutableBufferPointer { pm in
                        v[i].scalars.withUnsafeMutableBufferPointer { pv in
                            let wb = w.baseAddress!, gb = g.baseAddress!, mb = pm.baseAddress!, vb = pv.baseAddress!
                            Parallel.forRanges(w.count, grain: 32768) { r in
                                // Eight parameters at a time, each with the scalar loop's operations
                                // in its order, so the bits are those of one at a time.
                                var j = r.lowerBound
                                while j + 8 <= r.upperBound {
                                    let g = load8(gb + j)
                                    let m = s.beta1 * load8(mb + j) + (1 - s.beta1) * g
                                    let v = s.beta2 * load8(vb + j) + (1 - s.beta2) * g * g
                                    store8(m, mb + j)
                                    store8(v, vb + j)
                                    store8(load8(wb + j) - stepSize * m / (v.squareRoot() / c2root + s.eps), wb + j)
                                    j += 8
                                }
                                while j < r.upperBound {
                                    let gj = gb[j]
                                    mb[j] = s.beta1 * mb[j] + (1 - s.beta1) * gj
                                    vb[j] = s.beta2 * vb[j] + (1 - s.beta2) * gj * gj
                                    wb[j] -= stepSize * mb[j] / (vb[j].squareRoot() / c2root + s.eps)
                                    j += 1
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The optimiser state as named tensors, for checkpoints: "<prefix>.step", then per parameter
    /// "<prefix>.m.<name>" and "<prefix>.v.<name>".
    public func stateTensors(prefix: String) -> [NamedTensor] {
        var out = [NamedTensor(name: "\(prefix).step", tensor: Tensor(shape: [1], scalars: [Float(step)]))]
        for (i, p) in parameters.enumerated() {
            out.append(NamedTensor(name: "\(prefix).m.\(p.name)", tensor: m[i]))
            out.append(NamedTensor(name: "\(prefix).v.\(p.name)", tensor: v[i]))
        }
        return out
    }

    /// Restores the state written by `stateTensors(prefix:)`.
    public func restore(from checkpoint: Checkpoint, prefix: String) throws {
        // Read everything first, so a failed restore changes nothing.
        let t = try checkpoint.tensor("\(prefix).step", shape: [1])
        let newM = try parameters.map { try checkpoint.tensor("\(prefix).m.\($0.name)", shape: $0.value.shape) }
        let newV = try parameters.map { try checkpoint.tensor("\(prefix).v.\($0.name)", shape: $0.value.shape) }
        step = Int(t.scalars[0])
        m = newM
        v = newV
    }
}

@inline(__always)
private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}
