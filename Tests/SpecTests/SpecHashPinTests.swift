// The spec's spellings are its public format: a spec's hash is its experiment's identity in every
// run log. These hashes are those of numerics version 1, whose canonical specs hold every model
// setting resolved and the numerics (mode and version); a change that alters any of them changes
// what a run log calls the same experiment, and may only come with a new numerics version (new
// bits) or a new spec version (new defaults). Builds before numerics versions hashed the specs
// without their resolved model settings (the hashes of that time are in git history).

import Foundation
import Spec
import TestSupport
import Testing

@Test func shippedSpecHashesAreUnchanged() throws {
    let pinned = [
        "ckplus-quick": "b6a91709e33e052954fbbaca80c3bb0e68017c3aaf8d0f061bf29535a2a797c3",
        "ckplus": "775776a99ca2cb164d6cfbecd2403e61a39a6ed3205c8fd740d13943777e076b",
        "demo": "889817883b491141d1400fdbbce4f12b30aac88ace28f32875f7bbe5d9ea7b57",
        // Spec version 2 (face detection).
        "mmi": "15ee7fcfce01144ac5d8791eaaeaa0a5414e0bdd62c1238cf556a2fbeaec2d1d",
        "oulu": "f88ba1391c269b3658b52aeeef86549e7e4acf6709c1a3c63db4dc4a86260e45",
        "ckplus48-ablation": "b5f20bed853edcc106ed98c13d7054668b9f3c7ced4078bb30cf88d13d1a9538",
        "ckplus48": "c4c7bef386e2c4716e10576b0b5f85f797a3b1ef917e81b2197806d830cec860",
    ]
    for (name, hash) in pinned {
        let path = repositoryRoot() + "/experiments/\(name).json"
        let actual = try SpecLoader.load(path: path).hash
        #expect(actual == hash, "\(name).json")
    }
    // The reference CK+48 run (docs/fidelity.md) was registered under this hash, with its root set.
    let reference = try SpecLoader.load(path: repositoryRoot() + "/experiments/ckplus48.json",
                                        overrides: ["dataset.root=../shared/data/CK+48"])
    #expect(reference.hash == "91c191d264de2983244f57796a6a3898e6b64a6834fe772616117674ef762d74")
}

/// A spec that sets every choice to a value other than its default, so each spelling is pinned.
let everyChoiceSpec = #"""
{"specVersion": 1, "name": "all-choices", "table": "none", "seed": 7,
 "dataset": {"kind": "synthetic", "classes": "basic7", "channels": 3, "imageSize": 40, "cropSize": 36,
             "augmentation": ["topLeft", "topLeft:rot-30", "center", "center:rot-30", "topLeft:flip", "topLeft:rot-30:flip", "center:flip", "center:rot-30:flip"], "subjects": 6, "imagesPerExpression": 2},
 "character": {"kind": "synthetic", "characters": ["mira", "otto"]},
 "protocol": {"folds": 3, "runs": 1},
 "models": [{"name": "CNN", "kind": "cnn", "epochs": 2, "batchSize": 8, "initialization": "kaiming"},
            {"name": "G", "kind": "hagan", "epochs": 2, "batchSize": 8, "noiseDistribution": "uniform", "discriminatorInput": "character",
             "testNoise": "fixed", "initialization": "dcgan", "l1Weight": 10, "expressionOnFakePairs": true, "adam": {"lr": 0.001}},
            {"name": "H", "kind": "hagan", "testNoise": "average", "testNoiseDraws": 4}]}
"""#

@Test func everyChoiceKeepsItsSpellingAndHash() throws {
    let loaded = try SpecLoader.load(text: everyChoiceSpec)
    #expect(loaded.hash == "0a5d1d9c1f1285eb98da120fcbdebdba0937d6169ce81b10eacd2e8fe7840c5f")
    let g = try #require(loaded.spec.models[1].hagan)
    #expect(g.discriminatorInput == .character && g.testNoise == .fixed && g.noiseDistribution == .uniform)
    #expect(loaded.spec.models[0].training.initialization == .kaiming)
    #expect(loaded.spec.dataset.augmentation.variantCount == 8)
}

/// The keys added with the evaluation networks and validation subjects, each set, pinned from their
/// first version (absent, they leave every earlier hash as it was: see above).
let fidelityChoiceSpec = #"""
{"specVersion": 1, "name": "fidelity-choices", "dataset": {"kind": "synthetic"}, "character": {"kind": "synthetic"},
 "protocol": {"folds": 4, "runs": 1, "validation": 0.25},
 "models": [{"name": "C", "kind": "cnn", "evaluation": "recalibrated", "learningRateSchedule": "linearDecay"},
            {"name": "H", "kind": "hagan", "evaluation": "averaged", "averageDecay": 0.99, "learningRateSchedule": "constant"}]}
"""#

@Test func fidelityChoicesKeepTheirSpellingAndHash() throws {
    let loaded = try SpecLoader.load(text: fidelityChoiceSpec)
    #expect(loaded.hash == "07961cd07824654ce647b3f439c8be1ff487ca16b84680be6a505d34dd2e91bb")
    #expect(loaded.spec.protocol.validation == 0.25)
    #expect(loaded.spec.models[0].training.evaluation == .recalibrated && loaded.spec.models[0].training.learningRateSchedule == .linearDecay)
    #expect(loaded.spec.models[1].training.evaluation == .averaged && loaded.spec.models[1].training.averageDecay == 0.99)
}
