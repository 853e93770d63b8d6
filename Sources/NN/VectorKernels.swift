// The instruction set of the engine's C kernels (CKernels: im2col, col2im, BatchNorm).

import CKernels

/// The instruction set that the C kernels run with. All levels give the same bits; the widest
/// the CPU has is used unless a test asks for another.
public enum VectorKernels {
    public enum Level: Int32, CaseIterable, Sendable {
        case baseline = 0, avx2 = 1, avx512 = 2
    }

    /// Uses `level`, or the widest level the CPU has when it is nil or the CPU lacks it; returns
    /// the level now in use. Not to be called while a kernel runs.
    @discardableResult
    public static func use(_ level: Level?) -> Level {
        Level(rawValue: exp_kernels_set_level(level?.rawValue ?? -1)) ?? .baseline
    }
}
