// The face alignment keys of `dataset` (align, noFace, alignment): their defaults by spec version,
// the canonical spec leaving defaults out (so spelling one out keeps the hash), every error naming
// its path, and a spec setting every choice, pinned.

import Spec
import Testing
import Vocabulary

private func spec(version: Int, dataset: String) -> String {
    #"{"specVersion": \#(version), "name": "t", "dataset": {"kind": "mmi", "root": "/data/MMI"\#(dataset)}, "models": [{"name": "a", "kind": "cnn"}]}"#
}

@Test func alignmentDefaultsFollowTheSpecVersion() throws {
    let two = try SpecLoader.load(text: spec(version: 2, dataset: "")).spec.dataset
    #expect(two.alignMethod == .auto && two.noFacePolicy == .error && two.alignmentGeometry == .standard)
    // Version 1 specs were written before face detection: the landmarks a dataset ships, else the
    // whole frame, as those specs always meant.
    let one = try SpecLoader.load(text: spec(version: 1, dataset: "")).spec.dataset
    #expect(one.alignMethod == .landmarks && one.noFacePolicy == .center)
    #expect(AlignmentGeometry.standard == AlignmentGeometry(eyeDistance: 0.4, eyeLevel: 0.4, upsample: 1))
}

@Test func spelledOutAlignmentDefaultsKeepTheHash() throws {
    for version in [1, 2] {
        let plain = try SpecLoader.load(text: spec(version: version, dataset: ""))
        let defaults = version == 2 ? #", "align": "auto", "noFace": "error""# : #", "align": "landmarks", "noFace": "center""#
        let spelled = try SpecLoader.load(text: spec(version: version, dataset: defaults
            + #", "alignment": {"eyeDistance": 0.4, "eyeLevel": 0.4, "upsample": 1}"#))
        #expect(spelled.hash == plain.hash, "version \(version)")
        #expect(!plain.canonicalJSON.contains("align"))
    }
    // The same choices under the two versions are different experiments.
    let a = try SpecLoader.load(text: spec(version: 1, dataset: #", "align": "auto", "noFace": "error""#))
    let b = try SpecLoader.load(text: spec(version: 2, dataset: ""))
    #expect(a.spec.dataset.alignMethod == b.spec.dataset.alignMethod && a.hash != b.hash)
    #expect(a.canonicalJSON.contains(#""align":"auto""#) && a.canonicalJSON.contains(#""noFace":"error""#))
    // A changed parameter is written whole and changes the hash.
    let eyes = try SpecLoader.load(text: spec(version: 2, dataset: #", "alignment": {"eyeLevel": 0.35}"#))
    #expect(eyes.hash != b.hash)
    #expect(eyes.canonicalJSON.contains(#""alignment":{"eyeDistance":0.4,"eyeLevel":0.35,"upsample":1}"#))
    #expect(eyes.spec.dataset.alignmentGeometry == AlignmentGeometry(eyeDistance: 0.4, eyeLevel: 0.35, upsample: 1))
}

@Test func alignmentErrorsNameTheirPath() {
    #expect(specError(spec(version: 2, dataset: #", "align": "dlib""#))
        == .invalidValue(path: "dataset.align", value: "\"dlib\"", allowed: "\"auto\", \"landmarks\", \"detect\", \"none\""))
    #expect(specError(spec(version: 2, dataset: #", "noFace": "ignore""#))?.path == "dataset.noFace")
    #expect(specError(spec(version: 2, dataset: #", "alignment": {"eyeDistance": 0.95}"#))?.path == "dataset.alignment.eyeDistance")
    #expect(specError(spec(version: 2, dataset: #", "alignment": {"upsample": 4}"#))?.path == "dataset.alignment.upsample")
    #expect(specError(spec(version: 2, dataset: #", "alignment": {"eyes": 0.4}"#))?.path == "dataset.alignment.eyes")
    // Nothing is found or aligned with align none, so its companions are refused.
    #expect(specError(spec(version: 2, dataset: #", "align": "none", "noFace": "skip""#))?.path == "dataset.noFace")
    #expect(specError(spec(version: 2, dataset: #", "align": "none", "alignment": {"eyeLevel": 0.3}"#))?.path == "dataset.alignment")
    // Synthetic faces are drawn aligned: the keys are not theirs.
    let synthetic = #"{"specVersion": 2, "name": "t", "dataset": {"kind": "synthetic", "align": "detect"}, "models": [{"name": "a", "kind": "cnn"}]}"#
    #expect(specError(synthetic)?.path == "dataset.align")
}

/// Every alignment choice set, pinned from its first version.
let alignmentChoiceSpec = #"""
{"specVersion": 2, "name": "alignment-choices", "dataset": {"kind": "oulu", "root": "/data/Oulu", "align": "detect", "noFace": "skip",
 "alignment": {"eyeDistance": 0.36, "eyeLevel": 0.42, "upsample": 2}}, "models": [{"name": "C", "kind": "cnn"}]}
"""#

@Test func alignmentChoicesKeepTheirSpellingAndHash() throws {
    let loaded = try SpecLoader.load(text: alignmentChoiceSpec)
    #expect(loaded.hash == "82b062393db244ed11a46a09848afcff159eedc6d1d51d07464eb995d5161f0d")
    let d = loaded.spec.dataset
    #expect(d.alignMethod == .detect && d.noFacePolicy == .skip)
    #expect(d.alignmentGeometry == AlignmentGeometry(eyeDistance: 0.36, eyeLevel: 0.42, upsample: 2))
    #expect(try SpecLoader.load(text: alignmentChoiceSpec, overrides: ["dataset.noFace=center"]).spec.dataset.noFacePolicy == .center)
}
