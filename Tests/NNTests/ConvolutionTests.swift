// The im2col + sgemm convolutions against naive loops, for every GEMM strategy, plus the
// im2col / col2im adjoint identity and sgemm against a naive product.

import NN
import NNTesting
import Testing

private func random(_ shape: [Int], _ seed: UInt64) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    return randomTensor(shape, &rng)
}

@Test(arguments: GEMMStrategy.allCases)
func conv2DMatchesNaiveLoops(strategy: GEMMStrategy) {
    // (N, C, H, W, OC, K, stride, padding)
    let configs = [(2, 3, 8, 6, 4, 3, 1, 1), (3, 2, 9, 7, 5, 4, 2, 1), (1, 1, 5, 5, 2, 5, 1, 2),
                   (2, 4, 11, 10, 3, 3, 3, 0), (2, 2, 64, 64, 16, 4, 2, 1),
                   (3, 2, 37, 35, 4, 4, 2, 1),
                   // 8x8 maps: `automatic` makes blocks of 4 images, the last one of 3.
                   (7, 3, 16, 16, 5, 4, 2, 1)]
    for (i, c) in configs.enumerated() {
        let conv = Conv2D(c.1, c.4, kernel: c.5, stride: c.6, padding: c.7)
        conv.strategy = strategy
        conv.weight.value = random(conv.weight.value.shape, UInt64(10 + i))
        conv.bias!.value = random([c.4], UInt64(20 + i))
        let x = random([c.0, c.1, c.2, c.3], UInt64(30 + i))
        let fast = conv.forward(x, mode: .train)
        let slow = naiveConv2D(x, weight: conv.weight.value, bias: conv.bias!.value, stride: c.6, padding: c.7)
        #expect(fast.shape == slow.shape)
        #expect(maxAbsDifference(fast, slow) < 1e-4, "config \(c)")
    }
}

@Test(arguments: GEMMStrategy.allCases)
func convTranspose2DMatchesNaiveLoops(strategy: GEMMStrategy) {
    // (N, C, H, W, OC, K, stride, padding, outputPadding); the last mirrors HA-GAN's 37 -> 75 layer.
    let configs = [(2, 3, 4, 5, 2, 4, 2, 1, 0), (2, 2, 4, 4, 3, 4, 2, 1, 1), (1, 3, 3, 2, 2, 3, 1, 1, 0),
                   (2, 2, 5, 3, 2, 3, 3, 0, 2), (1, 4, 37, 37, 1, 4, 2, 1, 1),
                   // 8x8 inputs: `automatic` makes blocks of 4 images, the last one of 3.
                   (7, 3, 8, 8, 2, 4, 2, 1, 0)]
    for (i, c) in configs.enumerated() {
        let deconv = ConvTranspose2D(c.1, c.4, kernel: c.5, stride: c.6, padding: c.7, outputPadding: c.8)
        deconv.strategy = strategy
        deconv.weight.value = random(deconv.weight.value.shape, UInt64(40 + i))
        deconv.bias!.value = random([c.4], UInt64(50 + i))
        let x = random([c.0, c.1, c.2, c.3], UInt64(60 + i))
        let fast = deconv.forward(x, mode: .train)
        let slow = naiveConvTranspose2D(x, weight: deconv.weight.value, bias: deconv.bias!.value,
                                        stride: c.6, padding: c.7, outputPadding: c.8)
        #expect(fast.shape == slow.shape, "config \(c)")
        #expect(maxAbsDifference(fast, slow) < 1e-4, "config \(c)")
    }
    let hagan = ConvTranspose2D(4, 1, kernel: 4, stride: 2, padding: 1, outputPadding: 1)
    #expect(hagan.outputSize(37, 37) == (75, 75))
}

@Test func strategiesAgreeOnGradients() {
    // 8x8 outputs: `automatic` makes blocks of 4 images, the last one of 3.
    let x = random([7, 2, 16, 16], 1), dy0 = Conv2D(2, 3, kernel: 4, stride: 2, padding: 1)
    let shapeY = dy0.forward(x, mode: .train).shape
    let dy = random(shapeY, 2)
    var results: [(Tensor, Tensor, Tensor)] = []
    for s in GEMMStrategy.allCases {
        let conv = Conv2D(2, 3, kernel: 4, stride: 2, padding: 1)
        conv.strategy = s
        conv.weight.value = random(conv.weight.value.shape, 3)
        _ = conv.forward(x, mode: .train)
        let dx = conv.backward(dy)
        results.append((dx, conv.weight.grad, conv.bias!.grad))
    }
    for other in results.dropFirst() {
        #expect(maxAbsDifference(results[0].0, other.0) < 1e-5)
        #expect(maxAbsDifference(results[0].1, other.1) < 1e-4)
        #expect(maxAbsDifference(results[0].2, other.2) < 1e-4)
    }
}

@Test func im2colAndCol2imAreAdjoint() {
    let g = ConvGeometry(channels: 2, height: 5, width: 7, kernel: (3, 4), stride: (2, 2), padding: (1, 2))
    let x = random([2 * 5 * 7], 1).scalars
    let c = random([g.colRows * g.colCols * 2], 2).scalars
    var col = [Float](repeating: 0, count: g.colRows * g.colCols * 2)
    var back = [Float](repeating: 0, count: x.count)
    x.withUnsafeBufferPointer { px in col.withUnsafeMutableBufferPointer { im2col(px.baseAddress!, count: 2, imageStride: 0, g, into: $0.baseAddress!) } }
    c.withUnsafeBufferPointer { pc in back.withUnsafeMutableBufferPointer { col2im(pc.baseAddress!, count: 2, imageStride: 0, g, into: $0.baseAddress!) } }
    let lhs = zip(col, c).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    let rhs = zip(x, back).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    #expect(abs(lhs - rhs) < 1e-3 * max(1, abs(lhs)))
}

@Test func sgemmMatchesNaiveProduct() {
    let m = 5, n = 4, k = 3
    for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
        let a = random([m * k], 1).scalars, b = random([k * n], 2).scalars
        var c = random([m * n], 3).scalars
        let c0 = c
        BLAS.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 2, a, b, beta: 1, &c)
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for l in 0..<k {
                    s += (ta ? a[l * m + i] : a[i * k + l]) * (tb ? b[j * k + l] : b[l * n + j])
                }
                #expect(abs(c[i * n + j] - (2 * s + c0[i * n + j])) < 1e-4)
            }
        }
    }
}

@Test func blasThreadCountCanBeSet() {
    let before = BLAS.threadCount
    BLAS.threadCount = 1
    #expect(BLAS.threadCount == 1)
    BLAS.threadCount = before
    #expect(!BLAS.configuration.isEmpty)
}

@Test func im2colAndCol2imMatchNaiveLoopsOnWideRows() {
    // Rows long enough for the vector paths, odd widths, the row lengths with their own loops
    // (stride 2 with 4, 8, 16 and 32 outputs), several images and channels.
    for (h, w, stride, pad) in [(20, 37, 2, 1), (9, 19, 2, 1), (12, 16, 2, 0), (11, 23, 1, 1), (8, 33, 3, 2), (7, 70, 2, 3), (16, 32, 2, 1), (8, 8, 2, 1), (16, 16, 2, 1), (64, 64, 2, 1)] {
        let g = ConvGeometry(channels: 3, height: h, width: w, kernel: (4, 4), stride: (stride, stride), padding: (pad, pad))
        let n = 3, image = 3 * h * w, s = g.colCols
        let x = random([n * image], 7).scalars
        let c = random([g.colRows * s * n], 8).scalars
        var naiveCol = [Float](repeating: 0, count: c.count)
        var naiveBack = [Float](repeating: 0, count: x.count)
        for i in 0..<n {
            for ch in 0..<3 {
                for kh in 0..<4 {
                    for kw in 0..<4 {
                        let row = (ch * 4 + kh) * 4 + kw
                        for oy in 0..<g.outH {
                            for ox in 0..<g.outW {
                                let iy = oy * stride - pad + kh, ix = ox * stride - pad + kw
                                guard iy >= 0 && iy < h && ix >= 0 && ix < w else { continue }
                                let at = row * n * s + i * s + oy * g.outW + ox
                                naiveCol[at] = x[i * image + (ch * h + iy) * w + ix]
                                naiveBack[i * image + (ch * h + iy) * w + ix] += c[at]
                            }
                        }
                    }
                }
            }
        }
        // Every instruction set this CPU has (the C kernels' variants), on 1 and 2 threads.
        for level in VectorKernels.Level.allCases where VectorKernels.use(level) == level {
            defer { VectorKernels.use(nil) }
            for threads in [1, 2] {
                BLAS.threadCount = threads
                defer { BLAS.threadCount = 1 }
                let label = "\(h)x\(w) stride \(stride), \(level), \(threads) thread(s)"
                var col = [Float](repeating: .nan, count: c.count)
                var back = [Float](repeating: 0, count: x.count)
                var written = [Float](repeating: .nan, count: x.count)
                x.withUnsafeBufferPointer { px in col.withUnsafeMutableBufferPointer { im2col(px.baseAddress!, count: n, imageStride: image, g, into: $0.baseAddress!) } }
                c.withUnsafeBufferPointer { pc in back.withUnsafeMutableBufferPointer { col2im(pc.baseAddress!, count: n, imageStride: image, g, into: $0.baseAddress!) } }
                c.withUnsafeBufferPointer { pc in
                    written.withUnsafeMutableBufferPointer { col2im(pc.baseAddress!, count: n, imageStride: image, g, into: $0.baseAddress!, overwrite: true) }
                }
                #expect(col == naiveCol, "im2col \(label)")
                #expect(back == naiveBack, "col2im \(label)")
                #expect(written == naiveBack, "col2im overwriting \(label)")
            }
        }
    }
}
