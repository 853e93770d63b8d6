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
