// Losses, each returning the mean loss over the batch with its gradient (scaled by `weight`, so a
// weighted sum of terms accumulates gradients term by term). Sums are accumulated in Double.
//
//   softmaxCrossEntropy  logits [N, K], labels in 0..<K:  L = -1/N sum_n log softmax(logits_n)[y_n]
//                        dlogits = weight * (p - onehot(y)) / N
//   bceWithLogits        logits [N] or [N, 1], targets in [0, 1]:
//                        L = 1/N sum_n max(x, 0) - x t + log(1 + e^-|x|);  dx = weight * (sigmoid(x) - t) / N
//   l1                   prediction and target of one shape: L = mean |p - t|;  dp = weight * sign(p - t) / count

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A loss value and the gradient of `weight * loss` with respect to the first input.
public struct LossResult {
    public var loss: Float
    public var gradient: Tensor
}

/// Softmax cross-entropy; also returns the class probabilities.
public func softmaxCrossEntropy(logits: Tensor, labels: [Int], weight: Float = 1)
    -> (result: LossResult, probabilities: Tensor)
{
    precondition(logits.rank == 2 && logits.shape[0] == labels.count,
                 "softmaxCrossEntropy: logits \(logits.shape) for \(labels.count) labels")
    let n = logits.shape[0], k = logits.shape[1]
    var probs = Tensor(zeros: logits.shape)
    var grad = Tensor(zeros: logits.shape)
    var total = 0.0
    logits.scalars.withUnsafeBufferPointer { pl in
        probs.scalars.withUnsafeMutableBufferPointer { pp in
            grad.scalars.withUnsafeMutableBufferPointer { pg in
                for i in 0..<n {
                    let y = labels[i]
                    precondition(y >= 0 && y < k, "softmaxCrossEntropy: label \(y) outside 0..<\(k)")
                    let row = pl.baseAddress! + i * k
                    var mx = row[0]
                    for j in 1..<k { mx = max(mx, row[j]) }
                    var z = 0.0
                    for j in 0..<k { z += exp(Double(row[j] - mx)) }
                    let logZ = log(z)
                    total += logZ - Double(row[y] - mx)
                    for j in 0..<k {
                        let p = Float(exp(Double(row[j] - mx) - logZ))
                        pp[i * k + j] = p
                        pg[i * k + j] = weight * (p - (j == y ? 1 : 0)) / Float(n)
                    }
                }
            }
        }
    }
    return (LossResult(loss: Float(total / Double(n)), gradient: grad), probs)
}

/// Binary cross-entropy on logits, numerically stable for large |x|.
public func bceWithLogits(logits: Tensor, targets: [Float], weight: Float = 1) -> LossResult {
    precondition(logits.count == targets.count && logits.rows.n == targets.count,
                 "bceWithLogits: logits \(logits.shape) for \(targets.count) targets")
    let n = targets.count
    var grad = Tensor(zeros: logits.shape)
    var total = 0.0
    for i in 0..<n {
        let x = Double(logits.scalars[i]), t = Double(targets[i])
        total += max(x, 0) - x * t + log1p(exp(-abs(x)))
        let s = x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
        grad.scalars[i] = weight * Float(s - t) / Float(n)
    }
    return LossResult(loss: Float(total / Double(n)), gradient: grad)
}

/// Mean absolute error; the gradient at p == t is taken as 0.
public func l1Loss(prediction: Tensor, target: Tensor, weight: Float = 1) -> LossResult {
    precondition(prediction.shape == target.shape, "l1Loss: prediction \(prediction.shape) vs target \(target.shape)")
    var grad = Tensor(zeros: prediction.shape)
    let scale = weight / Float(prediction.count)
    var total = 0.0
    prediction.scalars.withUnsafeBufferPointer { pp in
        target.scalars.withUnsafeBufferPointer { pt in
            grad.scalars.withUnsafeMutableBufferPointer { pg in
                for i in 0..<pp.count {
                    let d = pp[i] - pt[i]
                    total += Double(abs(d))
                    pg[i] = d > 0 ? scale : (d < 0 ? -scale : 0)
                }
            }
        }
    }
    return LossResult(loss: Float(total / Double(prediction.count)), gradient: grad)
}
