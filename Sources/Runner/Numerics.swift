// The numerics this process computes under, and the machine it runs on: what makes two runs of one
// experiment give the same bits or not. OpenBLAS picks its GEMM kernel by CPU (Cooperlake, Zen,
// SkylakeX, Haswell, ...), and kernels sum in different orders; the C kernels give the same bits at
// every instruction-set level (tested). Measured on AMD EPYCs, the port spec of the reproducibility
// work gave the same metrics to 17 digits with OpenBLAS's Haswell kernel on an AVX-512 part
// (Cooperlake by default, whose own metrics differ) and an AVX2 part (Zen by default, the same
// bits as Haswell there). So `portable` mode pins OpenBLAS to Haswell (`OPENBLAS_CORETYPE`, read
// only when the library loads: `exp` sets it and starts itself again, see `processEnvironment`).

import Foundation
import NN
import Vocabulary

public enum Numerics {
    /// The OpenBLAS kernel family of `portable` mode.
    public static let portableCore = "Haswell"
    /// The environment variable that carries a process's numerics mode (`exp` reads it at start;
    /// the coordinator sets it for its workers from the spec).
    public static let modeVariable = "EXP_NUMERICS"
    public static let coreVariable = "OPENBLAS_CORETYPE"

    /// The mode this process was started in.
    public static var processMode: NumericsMode {
        ProcessInfo.processInfo.environment[modeVariable].flatMap(NumericsMode.init(rawValue:)) ?? .portable
    }

    /// Whether the CPU can run `portable` mode: it needs AVX2 and FMA (OpenBLAS's Haswell kernels).
    public static var cpuRunsPortable: Bool {
        let cpu = Machine.cpu
        return cpu.hasAVX2 && cpu.hasFMA
    }

    /// The changes to make to `environment` (nil: unset) before OpenBLAS loads, so that the process
    /// computes in the mode `EXP_NUMERICS` names: `portable` pins OPENBLAS_CORETYPE to Haswell on a
    /// CPU with AVX2 and FMA (elsewhere it is left unset, and portable jobs are refused); `native`
    /// leaves the kernel to OpenBLAS. An unknown mode is left to the caller to report. Empty when
    /// nothing changes.
    public static func processEnvironment(_ environment: [String: String], cpuRunsPortable: Bool) -> [String: String?] {
        let mode = environment[modeVariable].map { NumericsMode(rawValue: $0) } ?? .portable
        let wanted: String? = mode == .portable && cpuRunsPortable ? portableCore : nil
        guard mode != nil, environment[coreVariable] != wanted else { return [:] }
        return [coreVariable: wanted]
    }

    /// This process's machine and kernels.
    public static var current: MachineNumerics {
        let cpu = Machine.cpu
        return MachineNumerics(
            mode: processMode, version: NumericsVersion.current, blasCore: Machine.blasCore, kernelLevel: Machine.kernelLevel,
            widestISA: cpu.widestISA, cpuVendor: cpu.vendor, cpuName: cpu.name, cpuFamily: cpu.family, cpuModel: cpu.model,
            host: Machine.host)
    }

    /// Why this process cannot compute a job of an experiment in `mode`, or nil when it can: the
    /// kernel OpenBLAS really runs decides (`portable` needs Haswell's; a `native` experiment needs
    /// the kernel its first job had, `nativeCore`, nil while none is known).
    public static func refusal(mode: NumericsMode, nativeCore: String?, machine: MachineNumerics = current) -> String? {
        switch mode {
        case .portable:
            if machine.blasCore.lowercased() != portableCore.lowercased() {
                let cpu = cpuRunsPortable
                    ? "OpenBLAS runs its \(machine.blasCore) kernel although \(coreVariable) should be \(portableCore)"
                    : "this CPU (\(machine.cpuName), \(machine.widestISA)) has no AVX2 and FMA, which portable numerics need"
                return cpu + "; portable bits are not promised here: run the experiment with \"numerics\": \"native\""
            }
        case .native:
            if let nativeCore, nativeCore != machine.blasCore {
                return "the experiment's native numerics use OpenBLAS's \(nativeCore) kernel but this machine's is \(machine.blasCore) "
                    + "(\(machine.cpuName)): its bits would differ; finish it on a machine of the first kind, or run it anew "
                    + "(with \"numerics\": \"portable\" its bits hold on any x86-64 CPU with AVX2 and FMA)"
            }
        }
        return nil
    }
}
