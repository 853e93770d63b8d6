// The spec's spellings are its public format: a spec's hash is its experiment's identity in every
// run log. These hashes were computed before the spec's choices moved into Vocabulary; a change
// that alters any of them changes what an existing run log calls the same experiment. mmi.json and
// oulu.json moved to spec version 2 with face detection (their faces are now detected and aligned,
// no longer resized whole, so they are new experiments); every version-1 spec keeps its hash and
// its data.

import Foundation
import Spec
import TestSupport
import Testing

@Test func shippedSpecHashesAreUnchanged() throws {
    let pinned = [
        "ckplus-quick": "d9924da6c47e28e47d276aa76b456288ff78cf4a5dba1b12aa540a9f2fd52b37",
        "ckplus": "4ac3856736f49ec58492a89ecaa7f67e06485c2840194cc2101a021125a30edc",
        // Resized to 2 runs of 12 epochs with averaged evaluation (a21be67a... before).
        "demo": "af55557d063ae423c901d20c11f407588167cc3513e4ae6ea1991585d57a8d70",
        // Spec version 2 (face detection) since; version 1 had 4e8a615c... and 5e19e726...
        "mmi": "fff2835ded806d443b5e8b7e780cd7dd2a7c495fa44b1100810a9944100ac3e1",
        "oulu": "5bc1648579e2df8d1818d2d4a1959f89b2deadc8a0c676451f053775b70c92df",
        // Added since; pinned from their first version.
        "ckplus48-ablation": "e25848293c479ffb1e9f7da70f986a6300ed368509ea81185283383d0058a398",
        "ckplus48": "1cfd4aedcea2d618caf5def7d1b458f283e00d9ee2e8a82de5f456fb2920873c",
    ]
    for (name, hash) in pinned {
        let path = repositoryRoot() + "/experiments/\(name).json"
        let actual = try SpecLoader.load(path: path).hash
        #expect(actual == hash, "\(name).json")
    }
    // The reference CK+48 run (docs/fidelity.md) was registered under this hash, with its root set.
    let reference = try SpecLoader.load(path: repositoryRoot() + "/experiments/ckplus48.json",
                                        overrides: ["dataset.root=../shared/data/CK+48"])
    #expect(reference.hash == "a41c31c915171ecefcae4cbed4750c25a63175baf80a39029fc890bd69149945")
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
    #expect(loaded.hash == "3cf2a4776c024ab94208f65e6c9f3478de7c907f854139907ef5413c8100e889")
    let g = loaded.spec.models[1].choices
    #expect(g.discriminatorInput == .character && g.testNoise == .fixed && g.noiseDistribution == .uniform)
    #expect(loaded.spec.models[0].choices.initialization == .kaiming)
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
    #expect(loaded.hash == "b84353fee4d2e370612b31f08037e90e5d5c3615703b86129208664cf83ccee8")
    #expect(loaded.spec.protocol.validation == 0.25)
    #expect(loaded.spec.models[0].choices.evaluation == .recalibrated && loaded.spec.models[0].choices.learningRateSchedule == .linearDecay)
    #expect(loaded.spec.models[1].choices.evaluation == .averaged && loaded.spec.models[1].choices.averageDecay == 0.99)
}
