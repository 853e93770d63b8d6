// Tensor: a shape and a contiguous Float32 buffer, NCHW for images, [N, F] for feature vectors.
//
// Value semantics (the buffer is a Swift array, copied on write). Kernels read and write through
// `withUnsafe...Pointer` so hot loops are free of bounds checks. Shape mismatches are programmer
// errors: preconditions print the shapes involved.

public struct Tensor: Equatable, Sendable {
    public private(set) var shape: [Int]
    public var scalars: [Float]

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.shape = shape
        self.scalars = StepProfile.measure(.copies) { [Float](repeating: 0, count: shape.reduce(1, *)) }
    }

    /// A tensor whose scalars are left unset, for kernels that overwrite every one of them.
    @usableFromInline
    init(uninitialized shape: [Int]) {
        let n = shape.reduce(1, *)
        self.shape = shape
        self.scalars = [Float](unsafeUninitializedCapacity: n) { _, count in count = n }
    }

    /// A tensor filled with one value.
    public init(repeating value: Float, shape: [Int]) {
        self.shape = shape
        self.scalars = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor over existing scalars; their count must match the shape.
    public init(shape: [Int], scalars: [Float]) {
        precondition(
            shape.reduce(1, *) == scalars.count,
            "shape \(shape) holds \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    /// The same scalars under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Sets every scalar to zero, keeping the buffer (no reallocation).
    public mutating func zero() {
        StepProfile.measure(.copies) {
            scalars.withUnsafeMutableBufferPointer { p in
                p.update(repeating: 0)
            }
        }
    }

    /// Element-wise `self += other`; shapes must match.
    public mutating func add(_ other: Tensor) {
        precondition(shape == other.shape, "add: shape \(shape) vs \(other.shape)")
        scalars.withUnsafeMutableBufferPointer { a in
            other.scalars.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += b[i] }
            }
        }
    }

    /// Sum of all scalars, accumulated in Double.
    public func sum() -> Double {
        scalars.withUnsafeBufferPointer { p in
            var s = 0.0
            for v in p { s += Double(v) }
            return s
        }
    }

    /// True when every scalar is finite.
    public var isFinite: Bool { scalars.allSatisfy { $0.isFinite } }

    /// Resizes to `newShape`, reusing the buffer when its capacity suffices. Contents are unspecified.
    public mutating func resize(_ newShape: [Int]) {
        let n = newShape.reduce(1, *)
        shape = newShape
        if scalars.count != n {
            scalars = [Float](repeating: 0, count: n)
        }
    }
}

extension Tensor {
    /// Dimension sizes of an NCHW tensor; a precondition checks the rank.
    @inlinable
    public var nchw: (n: Int, c: Int, h: Int, w: Int) {
        precondition(shape.count == 4, "expected an NCHW tensor, got shape \(shape)")
        return (shape[0], shape[1], shape[2], shape[3])
    }

    /// Batch size and the product of all other dimensions.
    @inlinable
    public var rows: (n: Int, features: Int) {
        precondition(shape.count >= 1, "expected a batched tensor, got shape \(shape)")
        let n = shape[0]
        return (n, n == 0 ? 0 : scalars.count / n)
    }
}
