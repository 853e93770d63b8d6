// The machine the engine computes on, as far as it decides the bits: the CPU (cpuid), the kernel
// OpenBLAS picked (or was pinned to, `OPENBLAS_CORETYPE`), and the instruction set of the C kernels
// (which give the same bits at every level). The numerics modes built on them are the Runner's.

import COpenBLAS
import CKernels
import Foundation

/// The CPU as cpuid names it.
public struct CPUIdentity: Equatable, Sendable {
    /// "AuthenticAMD", "GenuineIntel", ...; empty where cpuid is missing.
    public var vendor: String
    /// The processor brand string ("AMD EPYC 7B13"); may be empty.
    public var name: String
    /// Display family and model (base plus extended).
    public var family: Int
    public var model: Int
    public var hasAVX2: Bool
    public var hasFMA: Bool
    /// AVX-512 F, BW, DQ and VL.
    public var hasAVX512: Bool

    /// "avx512", "avx2" or "sse2".
    public var widestISA: String { hasAVX512 ? "avx512" : hasAVX2 ? "avx2" : "sse2" }
}

public enum Machine {
    /// This CPU.
    public static var cpu: CPUIdentity {
        var id = exp_cpu_identity()
        exp_cpu_identify(&id)
        return CPUIdentity(vendor: string(id.vendor), name: string(id.brand).trimmingCharacters(in: .whitespaces),
                           family: Int(id.family), model: Int(id.model), hasAVX2: id.avx2 != 0, hasFMA: id.fma != 0,
                           hasAVX512: id.avx512 != 0)
    }

    /// OpenBLAS's kernel in use (`openblas_get_corename`), e.g. "Haswell", "Cooperlake", "Zen".
    public static var blasCore: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// The instruction set the C kernels run with: "avx512", "avx2" or "sse2".
    public static var kernelLevel: String { (VectorKernels.Level(rawValue: Int32(exp_kernel_level())) ?? .baseline).name }

    /// The host name.
    public static var host: String {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func string<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

extension VectorKernels.Level {
    /// "sse2", "avx2" or "avx512".
    public var name: String {
        switch self {
        case .baseline: return "sse2"
        case .avx2: return "avx2"
        case .avx512: return "avx512"
        }
    }
}
