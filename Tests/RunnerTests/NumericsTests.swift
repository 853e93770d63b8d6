// The numerics mode's process environment (what `exp` sets before OpenBLAS loads) and the refusals
// of a job whose experiment computes under other numerics than this machine.

import NN
import Runner
import Testing
import Vocabulary

@Test func portableModePinsOpenBLASToHaswellOnlyWhereTheCPUHasIt() {
    // Portable is the default; the CPU decides whether the Haswell kernel can be asked for.
    #expect(Numerics.processEnvironment([:], cpuRunsPortable: true) == ["OPENBLAS_CORETYPE": "Haswell"])
    #expect(Numerics.processEnvironment(["EXP_NUMERICS": "portable"], cpuRunsPortable: true) == ["OPENBLAS_CORETYPE": "Haswell"])
    #expect(Numerics.processEnvironment(["OPENBLAS_CORETYPE": "Haswell"], cpuRunsPortable: true).isEmpty)
    // A user's other kernel is replaced in portable mode.
    #expect(Numerics.processEnvironment(["OPENBLAS_CORETYPE": "Zen"], cpuRunsPortable: true) == ["OPENBLAS_CORETYPE": "Haswell"])
    // Without AVX2 and FMA nothing is pinned (the jobs are refused instead).
    #expect(Numerics.processEnvironment([:], cpuRunsPortable: false).isEmpty)
    // Native leaves the kernel to OpenBLAS, removing a pin.
    #expect(Numerics.processEnvironment(["EXP_NUMERICS": "native"], cpuRunsPortable: true).isEmpty)
    let unpinned = Numerics.processEnvironment(["EXP_NUMERICS": "native", "OPENBLAS_CORETYPE": "Haswell"], cpuRunsPortable: true)
    #expect(unpinned.count == 1 && unpinned["OPENBLAS_CORETYPE"] == .some(nil))
    // An unknown mode is left for `exp` to report.
    #expect(Numerics.processEnvironment(["EXP_NUMERICS": "fast"], cpuRunsPortable: true).isEmpty)
}

@Test func aJobIsRefusedWhereItsBitsWouldDiffer() {
    let machine = MachineNumerics(mode: .portable, version: NumericsVersion.current, blasCore: "Haswell", kernelLevel: "avx512",
                                  widestISA: "avx512", cpuVendor: "AuthenticAMD", cpuName: "AMD EPYC", cpuFamily: 25, cpuModel: 17, host: "n1")
    #expect(Numerics.refusal(mode: .portable, nativeCore: nil, machine: machine) == nil)
    // A portable process whose OpenBLAS did not take the Haswell kernel.
    var unpinned = machine
    unpinned.blasCore = "Cooperlake"
    #expect(Numerics.refusal(mode: .portable, nativeCore: nil, machine: unpinned)?.contains("portable bits are not promised") == true)
    // A native experiment on a machine of another kernel than its first job's.
    var native = machine
    native.mode = .native
    native.blasCore = "Zen"
    #expect(Numerics.refusal(mode: .native, nativeCore: "Zen", machine: native) == nil)
    #expect(Numerics.refusal(mode: .native, nativeCore: nil, machine: native) == nil)
    let refusal = Numerics.refusal(mode: .native, nativeCore: "Cooperlake", machine: native)
    #expect(refusal?.contains("Cooperlake") == true && refusal?.contains("Zen") == true)
    // Signatures: what decides the bits (the C kernel level does not).
    var otherLevel = machine
    otherLevel.kernelLevel = "avx2"
    otherLevel.host = "n2"
    #expect(otherLevel.signature == machine.signature && native.signature != machine.signature)
}

@Test func thisProcessDescribesItsMachine() {
    let m = Numerics.current
    #expect(m.version == NumericsVersion.current && !m.blasCore.isEmpty && ["sse2", "avx2", "avx512"].contains(m.kernelLevel))
    #expect(["sse2", "avx2", "avx512"].contains(m.widestISA) && !m.host.isEmpty)
    #expect(m.summary.contains("OpenBLAS \(m.blasCore)"))
}
