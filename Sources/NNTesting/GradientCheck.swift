// Finite-difference gradient checking (Caffe `test_gradient_check_util.hpp`): central differences
// compared with the analytic gradient under a tolerance relative to max(|analytic|, |numeric|, 1).
//
// A layer is checked through the scalar loss L = sum(forward(x) * probe) for a fixed random probe,
// so that backward(probe) is exactly dL/dx and the accumulated parameter gradients are dL/dp.

import NN

/// One element whose analytic and numeric gradients disagree.
public struct GradientMismatch: CustomStringConvertible, Sendable {
    public var tensor: String
    public var index: Int
    public var analytic: Double
    public var numeric: Double
    public var description: String {
        "\(tensor)[\(index)]: analytic \(analytic), numeric \(numeric)"
    }
}

/// Central-difference gradient of `f` at `x`: (f(x + eps e_i) - f(x - eps e_i)) / (2 eps).
public func numericGradient(at x: Tensor, eps: Float, _ f: (Tensor) -> Double) -> Tensor {
    var g = Tensor(zeros: x.shape)
    var probe = x
    for i in 0..<x.count {
        let v = x.scalars[i]
        probe.scalars[i] = v + eps
        let up = f(probe)
        probe.scalars[i] = v - eps
        let down = f(probe)
        probe.scalars[i] = v
        g.scalars[i] = Float((up - down) / (2 * Double(eps)))
    }
    return g
}

/// Elements where `analytic` and `numeric` differ by more than `tolerance * max(|a|, |n|, 1)`.
public func mismatches(_ name: String, analytic: Tensor, numeric: Tensor, tolerance: Double) -> [GradientMismatch] {
    precondition(analytic.shape == numeric.shape, "gradient shapes \(analytic.shape) vs \(numeric.shape)")
    var out: [GradientMismatch] = []
    for i in 0..<analytic.count {
        let a = Double(analytic.scalars[i]), n = Double(numeric.scalars[i])
        if abs(a - n) > tolerance * max(abs(a), abs(n), 1) || !a.isFinite {
            out.append(GradientMismatch(tensor: name, index: i, analytic: a, numeric: n))
        }
    }
    return out
}

/// sum(a * b) in Double.
public func dot(_ a: Tensor, _ b: Tensor) -> Double {
    precondition(a.shape == b.shape, "dot: shapes \(a.shape) vs \(b.shape)")
    var s = 0.0
    for i in 0..<a.count { s += Double(a.scalars[i]) * Double(b.scalars[i]) }
    return s
}

/// Checks the input gradient and every parameter gradient of `layer` at `input`.
///
/// `beforeForward` runs before every forward pass (to reset a layer's random stream, for Dropout).
/// Returns the mismatches; an empty array means the gradients agree.
public func checkLayerGradients(
    _ layer: Layer, input: Tensor, mode: Mode = .train, eps: Float = 1e-2, tolerance: Double = 1e-2,
    seed: UInt64 = 7, beforeForward: @escaping () -> Void = {}
) -> [GradientMismatch] {
    var rng = SeededGenerator(seed: seed)
    beforeForward()
    let y0 = layer.forward(input, mode: mode)
    let probe = randomTensor(y0.shape, &rng)
    zeroGrad(layer.parameters)
    let dx = layer.backward(probe)
    let loss: (Tensor) -> Double = { x in
        beforeForward()
        return dot(layer.forward(x, mode: mode), probe)
    }
    var bad = mismatches("input", analytic: dx, numeric: numericGradient(at: input, eps: eps, loss), tolerance: tolerance)
    for p in layer.parameters {
        let analytic = p.grad
        let original = p.value
        let numeric = numericGradient(at: original, eps: eps) { v in
            p.value = v
            return loss(input)
        }
        p.value = original
        bad += mismatches(p.name, analytic: analytic, numeric: numeric, tolerance: tolerance)
    }
    return bad
}

/// A tensor of standard normal draws.
public func randomTensor(_ shape: [Int], _ rng: inout SeededGenerator, scale: Float = 1) -> Tensor {
    var t = Tensor(zeros: shape)
    for i in 0..<t.count { t.scalars[i] = scale * rng.normal() }
    return t
}

/// Moves values closer than `margin` to zero away from it (to keep finite differences off the kink
/// of ReLU-like functions).
public func awayFromZero(_ t: Tensor, margin: Float) -> Tensor {
    var out = t
    for i in 0..<out.count where abs(out.scalars[i]) < margin {
        out.scalars[i] = out.scalars[i] < 0 ? -margin * 2 : margin * 2
    }
    return out
}
