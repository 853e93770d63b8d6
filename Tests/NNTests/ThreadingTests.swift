// The kernels that NN splits over BLAS threads (element-wise and layout kernels, and the
// per-image GEMMs of the conv layers, cut into fixed image chunks) give the same bits on 1 and 2
// threads.

import NN
import NNTesting
import Testing

@Test func splitKernelsGiveTheSameBitsOnOneAndTwoThreads() {
    func run(threads: Int) -> [Tensor] {
        BLAS.threadCount = threads
        defer { BLAS.threadCount = 1 }
        var rng = SeededGenerator(seed: 21)
        let net = Sequential([BatchNorm(16), LeakyReLU(), Tanh(), Reshape([16 * 33 * 31]), BatchNorm(16 * 33 * 31), Sigmoid()])
        initialize(net, .dcgan, generator: &rng)
        let adam = Adam(net.parameters)
        let x = randomTensor([8, 16, 33, 31], &rng)
        var outputs: [Tensor] = []
        for _ in 0..<2 {
            zeroGrad(net.parameters)
            let y = net.forward(x, mode: .train)
            outputs += [y, net.backward(y)]
            adam.update()
        }
        // im2col / col2im over a batch.
        let g = ConvGeometry(channels: 16, height: 33, width: 31, kernel: (4, 4), stride: (2, 2), padding: (1, 1))
        var col = [Float](repeating: 0, count: g.colRows * g.colCols * 8)
        var back = [Float](repeating: 0, count: x.count)
        x.scalars.withUnsafeBufferPointer { px in
            col.withUnsafeMutableBufferPointer { im2col(px.baseAddress!, count: 8, imageStride: 16 * 33 * 31, g, into: $0.baseAddress!) }
        }
        col.withUnsafeBufferPointer { pc in
            back.withUnsafeMutableBufferPointer { col2im(pc.baseAddress!, count: 8, imageStride: 16 * 33 * 31, g, into: $0.baseAddress!) }
        }
        outputs += [Tensor(shape: [col.count], scalars: col), Tensor(shape: [back.count], scalars: back)]
        return outputs + net.parameters.map(\.value) + net.buffers.map(\.value)
    }
    let one = run(threads: 1), two = run(threads: 2)
    #expect(one.count == two.count)
    for (i, (a, b)) in zip(one, two).enumerated() {
        #expect(a.shape == b.shape && a.scalars == b.scalars, "output \(i) differs between 1 and 2 threads")
    }
}

// `automatic` cuts these batches of 7 into blocks of 3, 3 and 1 images.
@Test(arguments: [GEMMStrategy.perImage, .batched, .automatic])
func convLayersGiveTheSameBitsOnOneAndTwoThreads(strategy: GEMMStrategy) {
    func run(threads: Int) -> [Tensor] {
        BLAS.threadCount = threads
        defer { BLAS.threadCount = 1 }
        var rng = SeededGenerator(seed: 5)
        let conv = Conv2D(3, 8, kernel: 4, stride: 2, padding: 1)
        let deconv = ConvTranspose2D(8, 2, kernel: 4, stride: 2, padding: 1, outputPadding: 1)
        conv.strategy = strategy
        deconv.strategy = strategy
        let net = Sequential([conv, deconv])
        initialize(net, .dcgan, generator: &rng)
        let x = randomTensor([7, 3, 21, 19], &rng)
        var outputs: [Tensor] = []
        for _ in 0..<2 {
            let y = net.forward(x, mode: .train)
            outputs += [y, net.backward(y)]
        }
        return outputs + net.parameters.map(\.grad)
    }
    let one = run(threads: 1), two = run(threads: 2)
    #expect(one.count == two.count)
    for (i, (a, b)) in zip(one, two).enumerated() {
        #expect(a.shape == b.shape && a.scalars == b.scalars, "\(strategy) output \(i) differs between 1 and 2 threads")
    }
}
