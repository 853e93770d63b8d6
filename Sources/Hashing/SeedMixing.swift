// Seed mixing, the one construction both the planner (job seeds, Spec) and the engine (child
// streams of a generator, NN) use: FNV-1a over a label's UTF-8 bytes starting from the offset
// basis XOR the seed, then one SplitMix64 step of that hash XOR (seed x golden ratio).

/// One step of SplitMix64 (Steele, Lea and Flood 2014): advances `x` and returns a mixed word.
@inline(__always) public func splitMix64(_ x: inout UInt64) -> UInt64 {
    x &+= 0x9E37_79B9_7F4A_7C15
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// Mixes a seed with a label (FNV-1a over the UTF-8 bytes, then SplitMix64).
public func deriveSeed(_ seed: UInt64, _ label: String) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
    for b in label.utf8 {
        h ^= UInt64(b)
        h &*= 0x0000_0100_0000_01B3
    }
    var s = h ^ (seed &* 0x9E37_79B9_7F4A_7C15)
    return splitMix64(&s)
}
