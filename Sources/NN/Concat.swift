// Concatenation along dimension 1 (channels of NCHW maps, features of [N, F] vectors) and its
// adjoint, the split. HA-GAN uses both: the discriminator's input pair (human, character) is
// stacked on channels, and the generator's decoder input is [code, one-hot identity, z].
//
//   parts [N, C_i, ...] (same N and trailing dimensions)  ->  [N, sum C_i, ...]

/// Concatenates tensors along dimension 1.
public func concat(_ parts: [Tensor]) -> Tensor {
    precondition(!parts.isEmpty, "concat of no tensors")
    let first = parts[0].shape
    let trailing = Array(first.dropFirst(2))
    for p in parts {
        precondition(p.rank == first.count && p.shape[0] == first[0] && Array(p.shape.dropFirst(2)) == trailing,
                     "concat: shapes \(parts.map { $0.shape }) differ outside dimension 1")
    }
    let n = first[0], inner = trailing.reduce(1, *)
    let total = parts.reduce(0) { $0 + $1.shape[1] }
    var out = Tensor(zeros: [n, total] + trailing)
    out.scalars.withUnsafeMutableBufferPointer { po in
        var offset = 0
        for p in parts {
            let block = p.shape[1] * inner
            p.scalars.withUnsafeBufferPointer { pp in
                for i in 0..<n {
                    (po.baseAddress! + i * total * inner + offset).update(from: pp.baseAddress! + i * block, count: block)
                }
            }
            offset += block
        }
    }
    return out
}

/// Splits a tensor along dimension 1 into parts of the given sizes (the adjoint of `concat`).
public func split(_ x: Tensor, sizes: [Int]) -> [Tensor] {
    precondition(x.rank >= 2 && sizes.reduce(0, +) == x.shape[1],
                 "split: sizes \(sizes) do not add up to dimension 1 of \(x.shape)")
    let n = x.shape[0], trailing = Array(x.shape.dropFirst(2)), inner = trailing.reduce(1, *)
    let total = x.shape[1]
    var offset = 0
    return sizes.map { size in
        var part = Tensor(zeros: [n, size] + trailing)
        let block = size * inner
        x.scalars.withUnsafeBufferPointer { px in
            part.scalars.withUnsafeMutableBufferPointer { pp in
                for i in 0..<n {
                    (pp.baseAddress! + i * block).update(from: px.baseAddress! + i * total * inner + offset, count: block)
                }
            }
        }
        offset += block
        return part
    }
}
