// Planner: an experiment's jobs (models x runs x folds) and their seeds. A job's seed depends on
// the experiment seed, the run and the fold only, never on the model list, so adding a model to a
// spec leaves the other jobs' numbers unchanged.

import Hashing
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

/// The seeds of an experiment's runs, splits and jobs, mixed by Hashing's `deriveSeed` (the
/// construction the engine's generators use for their child streams). Labels: `"run"` then the run
/// index, `"fold"` then the fold index.
public enum SeedDerivation {
    /// Mixes a seed with a label.
    public static func derive(_ seed: UInt64, _ label: String) -> UInt64 { deriveSeed(seed, label) }

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

/// Every job of a spec, ordered by model (spec order), then run, then fold (the folds of
/// `protocol.useFolds` only, when given).
public func plan(_ spec: ExperimentSpec) -> [JobKey] {
    spec.models.flatMap { model in
        (0..<spec.protocol.runs).flatMap { run in
            spec.protocol.jobFolds.map { fold in
                JobKey(
                    modelName: model.name, modelKind: model.kind, run: run, fold: fold,
                    seed: SeedDerivation.jobSeed(experimentSeed: spec.seed, run: run, fold: fold),
                    epochs: model.epochs)
            }
        }
    }
}
