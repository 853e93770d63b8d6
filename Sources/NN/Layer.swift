// Parameters, the layer protocol and the sequential container.
//
// A parameter holds a value, a gradient of the same shape and a stable dotted name
// ("generator.decoder.2.weight"). Gradients ACCUMULATE in `backward`; `zeroGrad` is explicit.
// A layer caches what its backward pass needs during `forward`, so forward and backward alternate:
// forward(x1), backward(dy1), forward(x2), backward(dy2).

/// Train mode uses batch statistics and dropout; eval mode uses running statistics, no dropout.
public enum Mode: Sendable { case train, eval }

/// A named tensor with its gradient. Buffers (running statistics) use the same type with
/// `trainable == false`; they are saved in checkpoints but never touched by the optimiser.
public final class Parameter {
    public let localName: String
    public internal(set) var name: String
    public var value: Tensor
    public var grad: Tensor
    public let trainable: Bool
    /// When false, backward passes skip this parameter's gradient (it stays as it is). Used to
    /// back-propagate through a network without paying for its weight gradients, as the
    /// generator step does through the discriminator.
    public var requiresGrad = true

    public init(_ localName: String, _ value: Tensor, trainable: Bool = true) {
        self.localName = localName
        self.name = localName
        self.value = value
        self.grad = Tensor(zeros: trainable ? value.shape : [0])
        self.trainable = trainable
    }
}

public protocol Layer: AnyObject {
    /// Computes the output and caches what `backward` needs.
    func forward(_ x: Tensor, mode: Mode) -> Tensor
    /// Takes dLoss/dOutput of the last `forward`, accumulates parameter gradients, returns dLoss/dInput.
    func backward(_ dy: Tensor) -> Tensor
    /// Trainable parameters, in a fixed order.
    var parameters: [Parameter] { get }
    /// Non-trainable state saved in checkpoints (BatchNorm running statistics).
    var buffers: [Parameter] { get }
    /// Gives every parameter and buffer its dotted name under `prefix`.
    func assignNames(prefix: String)
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var buffers: [Parameter] { [] }
    public func assignNames(prefix: String) {
        for p in parameters + buffers {
            p.name = prefix.isEmpty ? p.localName : "\(prefix).\(p.localName)"
        }
    }
}

/// Layers applied in order; children are named by their index ("trunk.0.weight"). A BatchNorm
/// followed by a ReLU or LeakyReLU runs as one fused layer (`BatchNorm.forward(_:mode:then:)`);
/// the rectifier layer stays in `layers`, unused, so names and checkpoints are those of the list.
public final class Sequential: Layer {
    public private(set) var layers: [Layer]
    /// For each layer index, the rectifier fused into it when the next layer is one (the next
    /// layer is then skipped).
    private let fused: [Rectifier?]

    public init(_ layers: [Layer]) {
        self.layers = layers
        fused = layers.indices.map { i in
            guard layers[i] is BatchNorm, i + 1 < layers.count else { return nil }
            return Rectifier(layers[i + 1])
        }
        assignNames(prefix: "")
    }

    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        var h = x
        var i = 0
        while i < layers.count {
            if let rectifier = fused[i], let norm = layers[i] as? BatchNorm {
                h = norm.forward(h, mode: mode, then: rectifier)
                i += 2
            } else {
                h = layers[i].forward(h, mode: mode)
                i += 1
            }
        }
        return h
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var g = dy
        var i = layers.count - 1
        while i >= 0 {
            if i > 0, fused[i - 1] != nil {
                g = layers[i - 1].backward(g)  // the BatchNorm, through its rectifier
                i -= 2
            } else {
                g = layers[i].backward(g)
                i -= 1
            }
        }
        return g
    }

    public var parameters: [Parameter] { layers.flatMap { $0.parameters } }
    public var buffers: [Parameter] { layers.flatMap { $0.buffers } }

    public func assignNames(prefix: String) {
        for (i, layer) in layers.enumerated() {
            layer.assignNames(prefix: prefix.isEmpty ? "\(i)" : "\(prefix).\(i)")
        }
    }
}

/// Turns gradient accumulation of these parameters on or off (see `Parameter.requiresGrad`).
public func setRequiresGrad(_ parameters: [Parameter], _ enabled: Bool) {
    for p in parameters { p.requiresGrad = enabled }
}

/// Sets the gradient of every parameter to zero.
public func zeroGrad(_ parameters: [Parameter]) {
    for p in parameters where p.trainable { p.grad.zero() }
}
