// `exp bench engine`: prints per-layer GFLOP/s beside raw sgemm, for each GEMM strategy and
// 1 and 2 BLAS threads, then memory over 100 training steps.

import ArgumentParser
import Benchmarks
import Foundation
import NN

struct BenchEngine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Conv and conv-transpose GFLOP/s of the HA-GAN layer shapes beside raw sgemm.")

    @Option(help: "Batch size.") var batch = 64
    @Option(help: "Input sizes (square), comma-separated.") var sizes = "64,75"
    @Option(help: "Input channels of the human image.") var channels = 1
    @Option(help: "BLAS thread counts, comma-separated.") var threads = "1,2"
    @Option(help: "GEMM strategies to compare (batched, perImage, automatic), comma-separated.") var strategies = "batched,perImage,automatic"
    @Option(help: "Minimum seconds per measurement.") var minSeconds = 0.3
    @Option(help: "Training steps for the memory check (0 skips it).") var memorySteps = 100

    func columnTimes(_ shape: LayerShape) -> String {
        let c = benchmarkColumns(shape, batch: batch, minSeconds: minSeconds / 2)
        return "\(f1(c.im2col * 1000)) / \(f1(c.col2im * 1000))"
    }

    func run() throws {
        let sizeList = try parseList(sizes, "--sizes") { Int($0) }
        let threadList = try parseList(threads, "--threads") { Int($0) }
        let strategyList = try parseList(strategies, "--strategies") { GEMMStrategy(rawValue: $0) }
        print("exp bench engine: batch \(batch), \(channels) channel(s); BLAS \(BLAS.configuration)")
        print("GF/s = GFLOP/s (2 per multiply-add of the layer's GEMMs); eff = sgemm time / layer time, forward + backward")
        var summary: [(String, Int, Double, Double)] = []
        for t in threadList {
            BLAS.threadCount = t
            for size in sizeList {
                for strategy in strategyList {
                    print("\n\(size)x\(size), \(t) thread(s), \(strategy.rawValue) GEMM")
                    print(pad("layer", 9) + pad("GEMM fwd", 18) + pad("fwd GF/s", 10) + pad("sgemm", 8)
                          + pad("bwd GF/s", 10) + pad("sgemm", 8) + pad("eff", 6) + "im2col/col2im ms")
                    var layerTime = 0.0, gemmTime = 0.0
                    for shape in try haganLayerShapes(size: size, channels: channels) {
                        let r = benchmarkLayer(shape, batch: batch, strategy: strategy, minSeconds: minSeconds)
                        layerTime += r.forwardSeconds + r.backwardSeconds
                        gemmTime += r.sgemmForwardSeconds + r.sgemmBackwardSeconds
                        print(pad(shape.name, 9) + pad(shape.gemms(batch: batch).forward.description, 18)
                              + pad(f1(r.forwardGFLOPS), 10) + pad(f1(r.sgemmForwardGFLOPS), 8)
                              + pad(f1(r.backwardGFLOPS), 10) + pad(f1(r.sgemmBackwardGFLOPS), 8)
                              + pad("\(Int((r.efficiency * 100).rounded()))%", 6)
                              + columnTimes(shape))
                        fflush(stdout)
                    }
                    let eff = gemmTime / layerTime
                    print("all layers: \(f1(layerTime * 1000)) ms fwd+bwd, sgemm \(f1(gemmTime * 1000)) ms, efficiency \(Int((eff * 100).rounded()))%")
                    summary.append(("\(size)x\(size) \(strategy.rawValue)", t, layerTime, eff))
                }
            }
        }
        print("\nsummary (all conv layers, forward + backward):")
        for (name, t, time, eff) in summary {
            print("  \(pad(name, 18)) \(t) thread(s): \(f1(time * 1000)) ms, \(Int((eff * 100).rounded()))% of sgemm")
        }
        if memorySteps > 0 {
            BLAS.threadCount = 1
            let rss = try memoryOverTraining(steps: memorySteps, batch: batch, size: sizeList.last!, channels: channels)
            var marks: [Int] = []
            for mark in [0, 9, rss.count / 2 - 1, rss.count - 1] where mark >= 0 && mark < rss.count && !marks.contains(mark) {
                marks.append(mark)
            }
            print("\nmemory over \(memorySteps) training steps of the CNN baseline (\(sizeList.last!)x\(sizeList.last!), batch \(batch)):")
            print("  " + marks.map { "step \($0 + 1): \(f1(rss[$0])) MiB" }.joined(separator: ", "))
            print("  growth from step 10 to step \(rss.count): \(f1(rss.last! - rss[min(9, rss.count - 1)])) MiB")
        }
        print("peak resident memory: \(f1(Measure.residentMemoryMiB().peak)) MiB")
    }
}
