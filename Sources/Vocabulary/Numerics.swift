// The numerics an experiment computes under: the engine's numerics version and the mode. Both are
// part of an experiment's identity (the spec's canonical JSON holds them), so numbers computed by
// two engines that sum in different orders, or with two different BLAS kernels, are never mixed
// under one hash.

/// How the engine's floating-point results relate to the machine.
public enum NumericsMode: String, SpecChoice {
    /// The same bits on every x86-64 CPU with AVX2 and FMA, AMD or Intel, AVX-512 or not:
    /// OpenBLAS is pinned to its Haswell kernels in every process that computes, and the engine's
    /// C kernels give the same bits at every instruction-set level. CPUs without AVX2 and FMA
    /// cannot run it (the job is refused, saying so).
    case portable
    /// OpenBLAS's own kernel for the CPU (Cooperlake, Zen, SkylakeX, ...): the bits hold on CPUs
    /// whose OpenBLAS picks the same kernel; a job is refused on a machine whose kernel differs
    /// from the one the experiment started with.
    case native
}

public enum NumericsVersion {
    /// The engine's numerics version: bumped by every change that alters any bit of any result
    /// (an order of summation, a kernel, an initialisation, a data order). Version 1 is the engine
    /// of commit 3979848. Bumping it gives every experiment a new identity; the portable fixture
    /// (`Tests/Fixtures/portable`) is then regenerated (see its README).
    public static let current = 1
}

/// The machine and kernels one process computes with (provenance of an experiment and of every
/// job attempt).
public struct MachineNumerics: Codable, Equatable, Sendable {
    /// The mode the process was started in (`EXP_NUMERICS`, default `portable`).
    public var mode: NumericsMode
    /// `NumericsVersion.current` of the build.
    public var version: Int
    /// OpenBLAS's kernel in use (`openblas_get_corename`), e.g. "Haswell", "Cooperlake", "Zen".
    public var blasCore: String
    /// The instruction set the engine's C kernels run with: "avx512", "avx2" or "sse2".
    public var kernelLevel: String
    /// The widest vector ISA the CPU has: "avx512", "avx2" or "sse2".
    public var widestISA: String
    /// cpuid's vendor ("AuthenticAMD", "GenuineIntel"), brand string, display family and model.
    public var cpuVendor: String
    public var cpuName: String
    public var cpuFamily: Int
    public var cpuModel: Int
    /// The host name (a Slurm node may differ from the submitting host).
    public var host: String

    public init(mode: NumericsMode, version: Int, blasCore: String, kernelLevel: String, widestISA: String, cpuVendor: String,
                cpuName: String, cpuFamily: Int, cpuModel: Int, host: String) {
        self.mode = mode
        self.version = version
        self.blasCore = blasCore
        self.kernelLevel = kernelLevel
        self.widestISA = widestISA
        self.cpuVendor = cpuVendor
        self.cpuName = cpuName
        self.cpuFamily = cpuFamily
        self.cpuModel = cpuModel
        self.host = host
    }

    /// One line: "portable v1: OpenBLAS Haswell, C kernels avx512; AMD EPYC (AuthenticAMD family 25 model 1, avx512) on node1".
    public var summary: String {
        "\(mode.rawValue) v\(version): OpenBLAS \(blasCore), C kernels \(kernelLevel); \(cpuName.isEmpty ? "unknown CPU" : cpuName) "
            + "(\(cpuVendor) family \(cpuFamily) model \(cpuModel), \(widestISA)) on \(host)"
    }

    /// What decides the bits: the numerics version, the mode, and for `native` the BLAS kernel.
    /// Two attempts with the same signature give the same bits (the C kernel level does not matter).
    public var signature: String {
        mode == .portable ? "portable v\(version)" : "native v\(version) OpenBLAS \(blasCore)"
    }
}
