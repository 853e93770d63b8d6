// Planner: an experiment's jobs (models x runs x folds) and their seeds. A job's seed depends on
// the experiment seed, the run and the fold only, never on the model list, so adding a model to a
// spec leaves the other jobs' numbers unchanged.

import Vocabulary

/// One unit of work: one model trained and tested on one fold of one run. Runs and folds count from 0.
public struct JobKey: Hashable, Sendable, CustomStringConvertible {
    public let modelName: String
    public let modelKind: ModelKind
    public let run: Int
    public let fold: Int
    /// Seed of the job (63 bits, so it is a positive SQLite INTEGER).
    public let seed: UInt64
    public let epochs: Int

    public var description: String { "\(modelName) run \(run) fold \(fold)" }
}

/// Seed derivation, the same construction as NN's `deriveSeed(_:_:)`: FNV-1a over the label's
/// UTF-8 bytes starting from the offset basis XOR the seed, then one SplitMix64 step of that hash
/// XOR (seed x golden ratio). Labels: `"run"` then the run index, `"fold"` then the fold index.
public enum SeedDerivation {
    /// Mixes a seed with a label.
    public static func derive(_ seed: UInt64, _ label: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
        for b in label.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3
        }
        var s = h ^ (seed &* 0x9E37_79B9_7F4A_7C15)
        s &+= 0x9E37_79B9_7F4A_7C15
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Seed of run `run`: shared by every fold's split of that run (the fold assignment) and
    /// the parent of its job seeds.
    public static func runSeed(experimentSeed: UInt64, run: Int) -> UInt64 {
        derive(derive(experimentSeed, "run"), String(run))
    }

    /// Seed of the subject-to-fold assignment of a run.
    public static func splitSeed(experimentSeed: UInt64, run: Int) -> UInt64 {
        derive(runSeed(experimentSeed: experimentSeed, run: run), "split") & 0x7FFF_FFFF_FFFF_FFFF
    }

    /// Seed of the job at (run, fold), masked to 63 bits.
    public static func jobSeed(experimentSeed: UInt64, run: Int, fold: Int) -> UInt64 {
        let runSeed = runSeed(experimentSeed: experimentSeed, run: run)
        return derive(derive(runSeed, "fold"), String(fold)) & 0x7FFF_FFFF_FFFF_FFFF
    }
}

/// Every job of a spec, ordered by model (spec order), then run, then fold.
public func plan(_ spec: ExperimentSpec) -> [JobKey] {
    spec.models.flatMap { model in
        (0..<spec.protocol.runs).flatMap { run in
            (0..<spec.protocol.folds).map { fold in
                JobKey(
                    modelName: model.name, modelKind: model.kind, run: run, fold: fold,
                    seed: SeedDerivation.jobSeed(experimentSeed: spec.seed, run: run, fold: fold),
                    epochs: model.epochs)
            }
        }
    }
}
