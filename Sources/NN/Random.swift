// Seeded random numbers: xoshiro256** seeded through SplitMix64, with uniform and normal draws and
// child streams derived by purpose ("init", "data-order", "augment", "noise"), so that adding a draw
// in one place never shifts the numbers of another. No global state: generators are passed `inout`.

import Hashing

/// xoshiro256** (Blackman and Vigna), seeded from a 64-bit value through SplitMix64.
public struct SeededGenerator: RandomNumberGenerator, Equatable, Sendable {
    /// The generator's full state; saving and restoring it resumes the stream exactly.
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)
    /// The seed this stream was created from (kept for deriving children).
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        var sm = seed
        state = (splitMix64(&sm), splitMix64(&sm), splitMix64(&sm), splitMix64(&sm))
    }

    /// Restores a generator from a saved `seed` and `state`.
    public init(seed: UInt64, state: [UInt64]) {
        precondition(state.count == 4, "a generator state has 4 words, got \(state.count)")
        self.seed = seed
        self.state = (state[0], state[1], state[2], state[3])
    }

    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    public static func == (a: SeededGenerator, b: SeededGenerator) -> Bool {
        a.seed == b.seed && a.stateWords == b.stateWords
    }

    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    /// An independent stream for one purpose, derived from this stream's seed and a label.
    /// It does not consume numbers from `self`.
    public func child(_ purpose: String) -> SeededGenerator {
        SeededGenerator(seed: deriveSeed(seed, purpose))
    }

    /// An independent stream for an indexed purpose (a run, a fold, a worker).
    public func child(_ purpose: String, _ index: Int) -> SeededGenerator {
        SeededGenerator(seed: deriveSeed(deriveSeed(seed, purpose), String(index)))
    }

    /// Uniform in [0, 1) with 24 bits of precision.
    public mutating func uniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * uniform()
    }

    /// Uniform integer in 0..<bound.
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0, "int(below:) needs a positive bound, got \(bound)")
        return Int(next(upperBound: UInt64(bound)))
    }

    /// Standard normal draw (Box-Muller on two uniforms in (0, 1]); one draw per call so the
    /// stream position does not depend on an internal cache.
    public mutating func normal() -> Float {
        let u1 = (Double(next() >> 11) + 1) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }

    /// Normal draw with the given mean and standard deviation.
    public mutating func normal(mean: Float, std: Float) -> Float {
        mean + std * normal()
    }

    /// Fisher-Yates shuffle driven by this stream.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = int(below: i + 1)
            array.swapAt(i, j)
        }
    }
}

@inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 {
    (x << k) | (x >> (64 - k))
}


#if canImport(Glibc)
    import Glibc
    @inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#elseif canImport(Darwin)
    import Darwin
    @inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
    @inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif

extension Tensor {
    /// A tensor of scalars drawn uniformly from [-1, 1) (the range of images), in order, from
    /// `stream`: stand-in images for benchmarks and calibrations.
    public init(uniformImages shape: [Int], from stream: inout SeededGenerator) {
        self.init(zeros: shape)
        for i in 0..<count { scalars[i] = stream.uniform(-1, 1) }
    }
}
