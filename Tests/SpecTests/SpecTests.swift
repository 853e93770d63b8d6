// Spec defaults, `--set` overrides, canonical JSON and hash stability, and the repository's spec files.

import Foundation
import Spec
import TestSupport
import Testing
import Vocabulary

@Test func defaultsAreFilledIn() throws {
    let loaded = try SpecLoader.load(text: minimalSpec)
    let spec = loaded.spec
    #expect(spec.table == .none)
    #expect(spec.seed == 1)
    #expect(spec.protocol == ProtocolSpec(folds: 10, runs: 2, split: .subject))
    #expect(spec.dataset.classes == .basic6)
    #expect(spec.dataset.channels == 1)
    #expect(spec.dataset.imageSize == 80)
    #expect(spec.dataset.cropSize == 75)
    #expect(spec.dataset.augmentation == .paper110)
    #expect(spec.dataset.skipUnreadable == false)
    #expect(spec.dataset.subjects == 24)
    #expect(spec.dataset.imagesPerExpression == 3)
    #expect(spec.dataset.frames == nil)
    #expect(spec.models[0].epochs == 200)
    #expect(spec.models[0].batchSize == 130)
    #expect(spec.models[0].training.adam == AdamChoice(lr: 0.0002, beta1: 0.5, beta2: 0.999, eps: 1e-8))
    #expect(spec.models[0].settings == .cnn(.defaults(specVersion: 1)))
    #expect(spec.character == nil)
    // Defaults appear in the canonical JSON, also the model settings' (a CNN has no HA-GAN keys).
    #expect(loaded.canonicalJSON.contains(#""protocol":{"folds":10,"runs":2,"split":"subject"}"#))
    #expect(loaded.canonicalJSON.contains(#""adam":{"beta1":0.5,"beta2":0.999,"eps":1e-08,"lr":0.0002}"#))
    #expect(loaded.canonicalJSON.contains(#""evaluation":"last","initialization":"dcgan""#))
    #expect(!loaded.canonicalJSON.contains("codeSize"))
}

@Test func kindDependentDefaults() throws {
    let mmi = try SpecLoader.load(text: #"{"specVersion": 1, "name": "m", "dataset": {"kind": "mmi", "root": "/d"}, "models": [{"name": "a", "kind": "cnn"}]}"#)
    #expect(mmi.spec.dataset.frames == .middle3)
    let folder = try SpecLoader.load(text: #"{"specVersion": 1, "name": "m", "dataset": {"kind": "folder", "root": "/d"}, "models": [{"name": "a", "kind": "cnn"}]}"#)
    #expect(folder.spec.dataset.subjectPattern == DatasetSpec.defaultSubjectPattern)
    let character = try SpecLoader.load(text: #"{"specVersion": 1, "name": "m", "dataset": {"kind": "synthetic"}, "character": {"kind": "ferg", "root": "/f"}, "models": [{"name": "g", "kind": "hagan", "testNoise": "average", "testNoiseDraws": 8}]}"#)
    #expect(character.spec.character?.characters == ["ray"])
    #expect(character.spec.models[0].hagan?.testNoiseDraws == 8)
}

@Test func renamedDatasetFoldersAreKindSpecificAndOptional() throws {
    let plain = try SpecLoader.load(text: #"{"specVersion": 1, "name": "m", "dataset": {"kind": "ckplus", "root": "/d"}, "models": [{"name": "a", "kind": "cnn"}]}"#)
    #expect(plain.spec.dataset.landmarksFolder == nil)
    #expect(!plain.canonicalJSON.contains("Folder"))
    let renamed = try SpecLoader.load(text: #"{"specVersion": 1, "name": "m", "dataset": {"kind": "ckplus", "root": "/d", "landmarksFolder": "CK+ landmarks", "emotionFolder": "labels/Emotion"}, "models": [{"name": "a", "kind": "cnn"}]}"#)
    #expect(renamed.spec.dataset.landmarksFolder == "CK+ landmarks")
    #expect(renamed.spec.dataset.emotionFolder == "labels/Emotion")
    #expect(renamed.hash != plain.hash)
    let mmi = try SpecLoader.load(text: #"{"specVersion": 1, "name": "m", "dataset": {"kind": "mmi", "root": "/d", "labelsFile": "meta/labels.csv"}, "models": [{"name": "a", "kind": "cnn"}]}"#)
    #expect(mmi.spec.dataset.labelsFile == "meta/labels.csv")
    #expect(specError(#"{"specVersion": 1, "name": "m", "dataset": {"kind": "oulu", "root": "/d", "labelsFile": "x.csv"}, "models": [{"name": "a", "kind": "cnn"}]}"#)?.path == "dataset.labelsFile")
    #expect(specError(#"{"specVersion": 1, "name": "m", "dataset": {"kind": "ckplus", "root": "/d", "imagesFolder": "/abs"}, "models": [{"name": "a", "kind": "cnn"}]}"#)?.path == "dataset.imagesFolder")
    #expect(specError(#"{"specVersion": 1, "name": "m", "dataset": {"kind": "synthetic", "openface": "/of"}, "models": [{"name": "a", "kind": "cnn"}]}"#)?.path == "dataset.openface")
}

@Test func overridesApplyBeforeDecoding() throws {
    let text = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "ckplus", "root": "/path/to/CK+"}, "models": [{"name": "a", "kind": "cnn"}, {"name": "b", "kind": "cnn"}]}"#
    let loaded = try SpecLoader.load(
        text: text, overrides: ["models[1].epochs=5", "protocol.folds=3", "dataset.root=/x", "models[0].adam.lr=0.01", "name=\"quoted\""])
    #expect(loaded.spec.models[1].epochs == 5)
    #expect(loaded.spec.models[0].epochs == 200)
    #expect(loaded.spec.protocol.folds == 3)
    #expect(loaded.spec.dataset.root == "/x")
    #expect(loaded.spec.models[0].training.adam.lr == 0.01)
    #expect(loaded.spec.name == "quoted")
    #expect(loaded.overrides.count == 5)
    let plain = try SpecLoader.load(text: text)
    #expect(plain.hash != loaded.hash)
}

@Test func badOverridesAreErrors() {
    let text = minimalSpec
    #expect(specError(text, overrides: ["models[0].epohs=5"])
        == .override(text: "models[0].epohs=5", reason: "models[0].epohs: unknown key; allowed keys here: adam, averageDecay, batchSize, epochs, evaluation, initialization, kind, learningRateSchedule, name"))
    #expect(specError(text, overrides: ["protocol.folds=1"])
        == .override(text: "protocol.folds=1", reason: "protocol.folds: 1 is out of range; allowed: 2...100"))
    #expect(specError(text, overrides: ["models[3].epochs=5"])
        == .override(text: "models[3].epochs=5", reason: "models has 1 entries (indexes 0...0), no [3]"))
    #expect(specError(text, overrides: ["seed.x=1"]) == .override(text: "seed.x=1", reason: "seed: expected an integer, found object"))
    #expect(specError(text, overrides: ["seed=3", "seed.x=1"]) == .override(text: "seed.x=1", reason: "seed is an integer, not an object with key \"x\""))
    #expect(specError(text, overrides: ["epochs"]) == .override(text: "epochs", reason: "expected path=value, e.g. models[0].epochs=5"))
    #expect(specError(text, overrides: ["models[x].epochs=1"])?.description.hasPrefix("--set models[x].epochs=1: malformed path") == true)
    #expect(specError(text, overrides: ["models[0].epochs=ten"])
        == .override(text: "models[0].epochs=ten", reason: "models[0].epochs: expected an integer, found string \"ten\""))
    #expect(specError(text, overrides: ["nonsense=1"])?.description == "--set nonsense=1: nonsense: unknown key; allowed keys here: character, dataset, description, models, name, numerics, protocol, seed, specVersion, table, tuning")
}

@Test func hashIsStableAcrossKeyOrderWhitespaceAndDefaults() throws {
    let a = try SpecLoader.load(text: minimalSpec)
    let reordered = """
        {
            "models" : [ { "kind" : "cnn", "name" : "cnn" } ],
            "dataset" : { "kind" : "synthetic" },
            "name" : "t",
            "specVersion" : 1
        }
        """
    let b = try SpecLoader.load(text: reordered)
    let explicit = #"{"specVersion": 1, "name": "t", "seed": 1.0, "table": "none", "protocol": {"folds": 10, "runs": 2}, "dataset": {"kind": "synthetic", "imageSize": 80}, "models": [{"name": "cnn", "kind": "cnn", "adam": {"lr": 2e-4}}]}"#
    let c = try SpecLoader.load(text: explicit)
    #expect(a.hash == b.hash)
    #expect(a.hash == c.hash)
    #expect(a.canonicalJSON == c.canonicalJSON)
    #expect(a.hash.count == 64)
    let changed = try SpecLoader.load(text: minimalSpec, overrides: ["seed=2"])
    #expect(changed.hash != a.hash)
    // The canonical text is itself a spec that decodes to the same spec and hash.
    let again = try SpecLoader.load(text: a.canonicalJSON)
    #expect(again.spec == a.spec)
    #expect(again.hash == a.hash)
    #expect(!a.canonicalJSON.contains(" "))
}

@Test func canonicalJSONSortsKeysAndNormalisesNumbers() throws {
    let value = try JSONParser.parse(#"{"b": [1.0, 2.5, -0.0, 1e3, "x\ny"], "a": {"d": null, "c": true}, "é": "\u00e9"}"#)
    #expect(value.canonicalText == #"{"a":{"c":true,"d":null},"b":[1,2.5,0,1000,"x\ny"],"é":"é"}"#)
    #expect(try JSONParser.parse("9007199254740993") == .integer(9_007_199_254_740_993))
}

@Test func repositorySpecFilesDecode() throws {
    let folder = repositoryRoot() + "/experiments"
    var names: [String: LoadedSpec] = [:]
    for name in ["ckplus", "mmi", "oulu", "ckplus-quick"] {
        names[name] = try SpecLoader.load(path: "\(folder)/\(name).json")
    }
    for name in ["ckplus", "mmi", "oulu"] {
        let spec = try #require(names[name]).spec
        #expect(spec.protocol.folds == 10)
        #expect(spec.protocol.runs == 2)
        #expect(spec.dataset.augmentation == .paper110)
        #expect(spec.dataset.cropSize == 75)
        #expect(spec.dataset.augmentation.variants.count == 110)
        #expect(spec.models.map(\.kind) == [.cnn, .hagan])
        #expect(spec.models.allSatisfy { $0.epochs == 200 && $0.batchSize == 130 })
        #expect(spec.table.rawValue == name)
    }
    let quick = try #require(names["ckplus-quick"]).spec
    #expect(quick.description?.contains("Reduced") == true)
    #expect(plan(quick).count < plan(try #require(names["ckplus"]).spec).count)
}

@Test func augmentationVariants() throws {
    let paper = Augmentation.paper110.variants
    #expect(paper.count == 110)
    #expect(Set(paper.map(\.description)).count == 110)
    #expect(AugmentationVariant(text: "topLeft:rot-30:flip") == AugmentationVariant(crop: .topLeft, rotation: -30, flip: true))
    #expect(AugmentationVariant(text: "center:flip:rot30") == nil)
    #expect(AugmentationVariant(text: "center:rot200") == nil)
}

@Test func shippedSpecsDecodeAndThePaperOnesFollowItsProtocol() throws {
    let folder = URL(fileURLWithPath: repositoryRoot()).appendingPathComponent("experiments")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
    #expect(names == ["ckplus-quick.json", "ckplus.json", "ckplus48-ablation.json", "ckplus48-tune.json", "ckplus48-tuned.json", "ckplus48.json",
                      "demo.json", "mmi.json", "oulu.json"])
    for name in names {
        let spec = try SpecLoader.load(path: folder.appendingPathComponent(name).path).spec
        // The tuned spec says how its settings were chosen, for both models, with equal trials and rungs.
        if name == "ckplus48-tuned.json" {
            let tuning = try #require(spec.tuning)
            #expect(tuning.map(\.model) == spec.models.map(\.name))
            #expect(Set(tuning.map { "\($0.trials) \($0.rungs)" }).count == 1)
        }
        guard ["ckplus.json", "mmi.json", "oulu.json"].contains(name) else { continue }
        // The paper's protocol (section 5.1).
        #expect(spec.protocol.folds == 10 && spec.protocol.runs == 2, "\(name)")
        #expect(spec.dataset.cropSize == 75 && spec.dataset.augmentation == .paper110, "\(name)")
        #expect(spec.models.map(\.kind) == [.cnn, .hagan], "\(name)")
        #expect(spec.models.allSatisfy { $0.epochs == 200 && $0.batchSize == 130 }, "\(name)")
    }
}
