// A job's identity: everything that decides its numbers, and nothing that does not. Two jobs with
// one identity (in one experiment or two) compute the same bits, so a results folder trains such a
// job once and the others reuse it (`exp run`, "jobs computed once").

import Foundation
import Hashing
import Vocabulary

public enum JobIdentity {
    /// SHA-256 (hex) of the canonical JSON of the job's resolved model settings (its name aside:
    /// it names files, not numbers), the dataset and character sections, the dataset files'
    /// fingerprint, the protocol's split (folds, validation share; not the number of runs), the
    /// experiment seed, run, fold and job seed, the numerics (mode and version), and the BLAS
    /// threads per job (OpenBLAS splits a GEMM's sums among its threads, so they change bits too;
    /// they are not part of the experiment's identity, but an experiment runs with one count).
    public static func hash(spec: ExperimentSpec, model: ModelSpec, job: JobKey, datasetFingerprint: String?, threads: Int) throws -> String {
        var anonymous = model
        anonymous.name = ""
        let identity = Identity(
            model: anonymous, dataset: spec.dataset, align: spec.dataset.alignMethod, noFace: spec.dataset.noFacePolicy,
            character: model.kind == .hagan ? spec.character : nil,
            datasetFingerprint: datasetFingerprint, folds: spec.protocol.folds, split: spec.protocol.split,
            validation: spec.protocol.validation, withoutTest: spec.protocol.test ? nil : true, experimentSeed: spec.seed, run: job.run, fold: job.fold, seed: job.seed,
            numerics: spec.numerics, threads: threads)
        let encoded = try JSONEncoder().encode(identity)
        return SHA256.hex(of: Array(try JSONParser.parse([UInt8](encoded)).canonicalText.utf8))
    }

    /// What decides the time of one epoch of a model, for `exp plan`: its settings but for its
    /// name and epochs, the dataset and character sections, the split (folds, validation share),
    /// the numerics and the BLAS threads per job. Jobs with one key cost the same per epoch on one
    /// machine, whatever their run, fold, seed or experiment.
    public static func costKey(spec: ExperimentSpec, model: ModelSpec, threads: Int) throws -> String {
        var anonymous = model
        anonymous.name = ""
        anonymous.epochs = 1
        let cost = Cost(model: anonymous, dataset: spec.dataset, character: model.kind == .hagan ? spec.character : nil,
                        folds: spec.protocol.folds, validation: spec.protocol.validation,
                        withoutTest: spec.protocol.test ? nil : true, numerics: spec.numerics, threads: threads)
        let encoded = try JSONEncoder().encode(cost)
        return SHA256.hex(of: Array(try JSONParser.parse([UInt8](encoded)).canonicalText.utf8))
    }

    private struct Cost: Encodable {
        var model: ModelSpec
        var dataset: DatasetSpec
        var character: CharacterSpec?
        var folds: Int
        var validation: Double?
        var withoutTest: Bool?
        var numerics: NumericsSpec
        var threads: Int
    }

    private struct Identity: Encodable {
        var model: ModelSpec
        var dataset: DatasetSpec
        /// The alignment choices with the spec version's defaults resolved.
        var align: Alignment
        var noFace: NoFacePolicy
        var character: CharacterSpec?
        var datasetFingerprint: String?
        var folds: Int
        var split: SplitKind
        var validation: Double?
        /// True for a job that never sees its test fold (absent otherwise, so earlier identities stand).
        var withoutTest: Bool?
        var experimentSeed: UInt64
        var run: Int
        var fold: Int
        var seed: UInt64
        var numerics: NumericsSpec
        var threads: Int
    }
}
