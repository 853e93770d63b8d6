// Shape-only layers: flatten [N, ...] to [N, F] and reshape [N, F] to [N, C, H, W]. The gradient
// takes the input's shape back.

public final class Flatten: Layer {
    private var inputShape: [Int] = []
    public init() {}
    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        inputShape = x.shape
        let (n, f) = x.rows
        return x.reshaped([n, f])
    }
    public func backward(_ dy: Tensor) -> Tensor { dy.reshaped(inputShape) }
}

public final class Reshape: Layer {
    /// Shape of one sample (without the batch dimension).
    public let sampleShape: [Int]
    private var inputShape: [Int] = []
    public init(_ sampleShape: [Int]) { self.sampleShape = sampleShape }
    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        inputShape = x.shape
        return x.reshaped([x.shape[0]] + sampleShape)
    }
    public func backward(_ dy: Tensor) -> Tensor { dy.reshaped(inputShape) }
}
