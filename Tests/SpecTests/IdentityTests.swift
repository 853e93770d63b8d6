// An experiment's identity covers what it computes and nothing else: every model default resolved
// before hashing (written or left out, one identity), the numerics in it, the defaults of every
// spec version pinned; a job's identity (reuse across experiments) ignores what does not change
// its numbers.

import Foundation
import Spec
import Testing
import Vocabulary

/// A spec with the given models' JSON and spec version.
func identitySpec(version: Int, models: String, numerics: String = "") -> String {
    """
    {"specVersion": \(version), "name": "identity", "dataset": {"kind": "synthetic"}, "character": {"kind": "synthetic"},
     \(numerics) "protocol": {"folds": 4, "runs": 2}, "models": [\(models)]}
    """
}

@Test(arguments: [1, 2]) func defaultsWrittenOrLeftOutGiveOneIdentity(version: Int) throws {
    let plain = try SpecLoader.load(text: identitySpec(version: version, models: #"{"name": "C", "kind": "cnn"}, {"name": "H", "kind": "hagan"}"#))
    let spelled = try SpecLoader.load(text: identitySpec(version: version, models: """
        {"name": "C", "kind": "cnn", "epochs": 200, "batchSize": 130, "adam": {"lr": 0.0002, "beta1": 0.5, "beta2": 0.999, "eps": 1e-8},
         "initialization": "dcgan", "evaluation": "last", "learningRateSchedule": "constant"},
        {"name": "H", "kind": "hagan", "epochs": 200, "batchSize": 130, "adam": {"lr": 0.0002},
         "initialization": "dcgan", "evaluation": "last", "learningRateSchedule": "constant", "codeSize": 128, "noiseSize": 50,
         "noiseDistribution": "normal", "l1Weight": 100, "expressionOnFakePairs": false, "discriminatorInput": "pair",
         "testNoise": "zero", "sampleEvery": 10}
        """, numerics: #""numerics": {"mode": "portable"},"#))
    #expect(plain.hash == spelled.hash)
    #expect(plain.canonicalJSON == spelled.canonicalJSON)
    // The averaged networks' decay and the test noise's draws are resolved too.
    let averaged = try SpecLoader.load(text: identitySpec(version: version, models: #"{"name": "C", "kind": "cnn", "evaluation": "averaged"}"#))
    let decay = try SpecLoader.load(text: identitySpec(version: version, models: #"{"name": "C", "kind": "cnn", "evaluation": "averaged", "averageDecay": 0.999}"#))
    #expect(averaged.hash == decay.hash && averaged.spec.models[0].training.averageDecay == 0.999)
    let draws = try SpecLoader.load(text: identitySpec(version: version, models: #"{"name": "H", "kind": "hagan", "testNoise": "average"}"#))
    let ten = try SpecLoader.load(text: identitySpec(version: version, models: #"{"name": "H", "kind": "hagan", "testNoise": "average", "testNoiseDraws": 10}"#))
    #expect(draws.hash == ten.hash && draws.spec.models[0].hagan?.testNoiseDraws == 10)
}

/// Every spec version's resolved model defaults, as canonical JSON. A default changed without a new
/// spec version changes what an unchanged spec computes under an unchanged identity: this test
/// fails then. A new spec version must add its line.
@Test func everySpecVersionsModelDefaultsArePinned() throws {
    let training = #"{"adam":{"beta1":0.5,"beta2":0.999,"eps":1e-08,"lr":0.0002},"batchSize":130,"epochs":200,"evaluation":"last","initialization":"dcgan","learningRateSchedule":"constant"}"#
    let hagan = #"{"codeSize":128,"discriminatorInput":"pair","expressionOnFakePairs":false,"l1Weight":100,"noiseDistribution":"normal","noiseSize":50,"sampleEvery":10,"testNoise":"zero","training":"#
        + training + "}"
    let pinned: [Int: (cnn: String, hagan: String)] = [1: (training, hagan), 2: (training, hagan)]
    #expect(Set(pinned.keys) == Set(ExperimentSpec.supportedVersions), "pin the defaults of every spec version")
    for version in ExperimentSpec.supportedVersions {
        let encoder = JSONEncoder()
        let cnn = try JSONParser.parse([UInt8](encoder.encode(TrainingSettings.defaults(specVersion: version)))).canonicalText
        let gan = try JSONParser.parse([UInt8](encoder.encode(HAGANSettings.defaults(specVersion: version)))).canonicalText
        #expect(cnn == pinned[version]?.cnn, "CNN defaults of spec version \(version)")
        #expect(gan == pinned[version]?.hagan, "HA-GAN defaults of spec version \(version)")
    }
}

@Test func theNumericsArePartOfTheIdentity() throws {
    let models = #"{"name": "C", "kind": "cnn"}"#
    let portable = try SpecLoader.load(text: identitySpec(version: 2, models: models))
    let native = try SpecLoader.load(text: identitySpec(version: 2, models: models, numerics: #""numerics": {"mode": "native"},"#))
    #expect(portable.spec.numerics == NumericsSpec(mode: .portable) && native.spec.numerics.mode == .native)
    #expect(portable.hash != native.hash)
    #expect(portable.canonicalJSON.contains(#""numerics":{"mode":"portable","version":\#(NumericsVersion.current)}"#))
    // A spec saved by a build of another numerics version is refused by name, not run under this engine.
    let other = identitySpec(version: 2, models: models, numerics: #""numerics": {"version": \#(NumericsVersion.current + 1)},"#)
    #expect(throws: SpecError.self) { try SpecLoader.load(text: other) }
    do {
        _ = try SpecLoader.load(text: other)
    } catch {
        #expect("\(error)".contains("numerics.version") && "\(error)".contains("numerics version of this build"), "\(error)")
    }
    #expect(throws: SpecError.self) {
        try SpecLoader.load(text: identitySpec(version: 2, models: models, numerics: #""numerics": {"mode": "fast"},"#))
    }
}

@Test func aJobsIdentityIgnoresWhatDoesNotChangeItsNumbers() throws {
    let base = try SpecLoader.load(text: identitySpec(version: 2, models: #"{"name": "C", "kind": "cnn"}, {"name": "H", "kind": "hagan"}"#)).spec
    func hash(_ spec: ExperimentSpec, model index: Int, run: Int = 0, fold: Int = 0, threads: Int = 1) throws -> String {
        let job = try #require(plan(spec).first { $0.modelName == spec.models[index].name && $0.run == run && $0.fold == fold })
        return try JobIdentity.hash(spec: spec, model: spec.models[index], job: job, datasetFingerprint: nil, threads: threads)
    }
    // Another value of an HA-GAN setting (a sweep over it) leaves the CNN's jobs as they were.
    var swept = base
    guard case .hagan(var h) = swept.models[1].settings else { Issue.record("not an HA-GAN"); return }
    h.l1Weight = 10
    swept.models[1].settings = .hagan(h)
    #expect(try hash(base, model: 0) == hash(swept, model: 0))
    #expect(try hash(base, model: 1) != hash(swept, model: 1))
    // The experiment's name, the model's name and the number of runs change no job's numbers.
    var renamed = base
    renamed.name = "other"
    renamed.models[0].name = "baseline"
    renamed.protocol.runs = 5
    #expect(try hash(base, model: 0) == hash(renamed, model: 0))
    // The run, the fold, the BLAS threads, the data, the seed and the numerics do.
    #expect(try hash(base, model: 0) != hash(base, model: 0, run: 1))
    #expect(try hash(base, model: 0) != hash(base, model: 0, fold: 1))
    #expect(try hash(base, model: 0) != hash(base, model: 0, threads: 2))
    var data = base
    data.dataset.subjects = 30
    var seed = base
    seed.seed = 2
    var native = base
    native.numerics.mode = .native
    for changed in [data, seed, native] { #expect(try hash(base, model: 0) != hash(changed, model: 0)) }
    let fingerprinted = try JobIdentity.hash(spec: base, model: base.models[0], job: plan(base)[0], datasetFingerprint: "abc", threads: 1)
    #expect(try hash(base, model: 0) != fingerprinted)
}

/// A model's files are named for it (`ModelSpec.fileName`), so a spec's models must differ in those
/// names too.
@Test func modelsWhoseFileNamesCollideAreRefused() throws {
    #expect(ModelSpec.fileName("CNN(baseline)") == "cnn-baseline" && ModelSpec.fileName("HA-GAN") == "ha-gan")
    #expect(ModelSpec.fileName("--") == "model")
    do {
        _ = try SpecLoader.load(text: identitySpec(version: 2, models: #"{"name": "HA-GAN", "kind": "hagan"}, {"name": "ha gan", "kind": "hagan"}"#))
        Issue.record("two models with one file name were accepted")
    } catch {
        #expect("\(error)".contains("models[1].name") && "\(error)".contains("\"ha-gan\""), "\(error)")
    }
}
