// `exp tune`'s search space and trial specs: the `--space` syntax and its refusals, draws that
// are the same for the same command and stay in their sets, trial specs that hold the tuned model
// alone and never see a test fold, and the `protocol.test` / `useFolds` keys they rely on.

import Spec
import TestSupport
import Testing

private let tuneSpec = #"""
    {"specVersion": 1, "name": "demo", "seed": 1, "dataset": {"kind": "synthetic"},
     "protocol": {"folds": 4, "runs": 2, "validation": 0.25},
     "models": [{"name": "CNN", "kind": "cnn", "epochs": 9}, {"name": "HA-GAN", "kind": "hagan", "epochs": 9, "l1Weight": 10}],
     "character": {"kind": "synthetic"}}
    """#

private func spaceError(_ text: String) -> String? {
    do {
        _ = try TuneDimension(parsing: text)
        return nil
    } catch {
        return String(describing: error)
    }
}

@Test func spaceOptionsThatCannotBeTunedAreRefusedWithTheReason() {
    #expect(spaceError("model.epochs=3,9")?.contains("epochs are the resource") == true)
    #expect(spaceError("protocol.folds=2,3")?.contains("cannot be tuned") == true)
    #expect(spaceError("name=a,b")?.contains("cannot be tuned") == true)
    #expect(spaceError("model.adam.lr=log(0,1)")?.contains("lo > 0") == true)
    #expect(spaceError("model.batchSize=int(64,16)")?.contains("lo < hi") == true)
    #expect(spaceError("model.batchSize=32")?.contains("two or more values") == true)
    #expect(spaceError("model.batchSize")?.contains("KEY=SET") == true)
    #expect(spaceError("models.l1Weight=1,10")?.contains("models[i].KEY") == true)
    #expect(spaceError("model.adam.lr=log(1e-4,1e-2)") == nil)
    #expect(spaceError("dataset.augmentation=[\"center\"],[\"center\",\"center:flip\"]") == nil)
}

@Test func trialsAreDrawnTheSameWayEveryTimeAndStayInTheirSets() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let file = try folder.write("demo.json", text: tuneSpec)
    let space = try ["model.adam.lr=log(1e-4,1e-2)", "model.batchSize=16,32,64", "models[1].l1Weight=int(1,100)"]
        .map(TuneDimension.init(parsing:))
    var hashes: Set<String> = []
    for trial in 0..<6 {
        let a = try TuneSpace.trial(path: file, overrides: [], dimensions: space, modelIndex: 1, trial: trial, folds: 2)
        let b = try TuneSpace.trial(path: file, overrides: [], dimensions: space, modelIndex: 1, trial: trial, folds: 2)
        #expect(a.loaded.hash == b.loaded.hash)
        hashes.insert(a.loaded.hash)
        let model = a.loaded.spec.models[0]
        #expect(a.loaded.spec.models.count == 1 && model.name == "HA-GAN")
        #expect((1e-4...1e-2).contains(model.training.adam.lr))
        #expect([16, 32, 64].contains(model.batchSize))
        #expect((1...100).contains(model.hagan!.l1Weight))
        #expect(a.assignments.count == 3)
        // A trial never sees a test fold: run 0 of the first folds, test off, validation kept.
        #expect(a.loaded.spec.protocol.test == false)
        #expect(a.loaded.spec.protocol.useFolds == 2 && a.loaded.spec.protocol.runs == 1)
        #expect(a.loaded.spec.protocol.validation == 0.25)
        #expect(plan(a.loaded.spec).map(\.fold) == [0, 1])
    }
    #expect(hashes.count == 6, "trials drew the same values")
    // The CNN's trials take model.* keys but not HA-GAN's models[1].l1Weight.
    let cnn = try TuneSpace.trial(path: file, overrides: [], dimensions: space, modelIndex: 0, trial: 0, folds: 1)
    #expect(cnn.assignments.map { $0.split(separator: "=")[0] } == ["model.adam.lr", "model.batchSize"])
    #expect(cnn.loaded.spec.models[0].kind == .cnn)
}

@Test func aJobWithoutItsTestFoldNeedsValidationSubjects() throws {
    let base = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "models": [{"name": "CNN", "kind": "cnn"}], "#
    let refused = #expect(throws: SpecError.self) {
        _ = try SpecLoader.load(text: base + #""protocol": {"folds": 3, "test": false}}"#)
    }
    #expect(refused?.description.contains("protocol.validation") == true)
    let tooMany = #expect(throws: SpecError.self) {
        _ = try SpecLoader.load(text: base + #""protocol": {"folds": 3, "useFolds": 4}}"#)
    }
    #expect(tooMany?.description.contains("useFolds") == true)
    // The defaults are left out of the canonical spec, so earlier specs keep their hashes.
    let plain = try SpecLoader.load(text: base + #""protocol": {"folds": 3}}"#)
    let explicit = try SpecLoader.load(text: base + #""protocol": {"folds": 3, "test": true}}"#)
    #expect(plain.hash == explicit.hash)
    #expect(!plain.canonicalJSON.contains("useFolds") && !plain.canonicalJSON.contains("\"test\""))
}

@Test func aChosenTrialsValuesGoToTheTargetsModelOfTheSameName() throws {
    let space = try ["model.adam.lr=log(1e-4,1e-2)", "models[1].l1Weight=int(1,100)", "dataset.subjects=12,16"]
        .map(TuneDimension.init(parsing:))
    // The target lists its models in another order: HA-GAN first.
    var tree = try JSONParser.parse(Array(#"{"models": [{"name": "HA-GAN"}, {"name": "CNN"}], "dataset": {}}"#.utf8))
    var global: [String: (model: String, value: String)] = [:]
    try TuneSpace.apply(["model.adam.lr=0.001", "models[1].l1Weight=42", "dataset.subjects=12"], dimensions: space,
                        tunedModel: 1, targetModel: 0, to: &tree, global: &global, model: "HA-GAN")
    try TuneSpace.apply(["model.adam.lr=0.0003", "dataset.subjects=12"], dimensions: space, tunedModel: 0, targetModel: 1,
                        to: &tree, global: &global, model: "CNN")
    #expect(tree.canonicalText == #"{"dataset":{"subjects":12},"models":[{"adam":{"lr":0.001},"l1Weight":42,"name":"HA-GAN"},{"adam":{"lr":0.0003},"name":"CNN"}]}"#)
    // A key of the whole experiment chosen differently by two models cannot go into one spec.
    let differing = #expect(throws: SpecError.self) {
        try TuneSpace.apply(["dataset.subjects=16"], dimensions: space, tunedModel: 0, targetModel: 1, to: &tree, global: &global, model: "CNN")
    }
    #expect(differing?.description.contains("whole experiment") == true)
}
