// The spec's dataset section becomes the typed FaceData source the loaders read; a batch that
// cannot be loaded ends the epoch's batches with its error.

import FaceData
import Runner
import Spec
import Testing

@Test func renamedDatasetFoldersReachTheLoaderSource() throws {
    let ckplus = try SpecLoader.load(text: #"{"specVersion": 1, "name": "m", "dataset": {"kind": "ckplus", "root": "/d", "frames": "last1", "imagesFolder": "frames", "landmarksFolder": "lm"}, "models": [{"name": "a", "kind": "cnn"}]}"#)
    let d = JobData.description(ckplus.spec)
    #expect(d.kind == "ckplus" && d.root == "/d")
    #expect(d.source == .ckplus(frames: .last1, images: "frames", emotion: "Emotion", landmarks: "lm"))
    let mmi = try SpecLoader.load(text: #"{"specVersion": 1, "name": "m", "dataset": {"kind": "mmi", "root": "/d", "labelsFile": "meta.csv"}, "models": [{"name": "a", "kind": "cnn"}]}"#)
    #expect(JobData.description(mmi.spec).source == .mmi(frames: .middle3, labels: "meta.csv"))
    let aligned = try SpecLoader.load(text: #"{"specVersion": 1, "name": "m", "dataset": {"kind": "folder", "root": "/d", "openface": "/of"}, "models": [{"name": "a", "kind": "cnn"}]}"#)
    #expect(JobData.description(aligned.spec).openface == "/of")
}

@Test func aFailedBatchLoadEndsTheBatchesAndKeepsItsError() {
    struct Unreadable: Error {}
    var loads = 0
    let batches = LazyBatches([1, 2, 3]) { (i: Int) throws -> Int in
        loads += 1
        if i == 2 { throw Unreadable() }
        return i * 10
    }
    #expect(Array(batches) == [10])
    #expect(batches.error is Unreadable)
    #expect(loads == 2)
    let fine = LazyBatches([1, 2]) { $0 * 10 }
    #expect(Array(fine) == [10, 20] && fine.error == nil)
}

@Test func validationSubjectsAreInNeitherTrainingNorTest() throws {
    let text = #"{"specVersion": 1, "name": "v", "seed": 3, "dataset": {"kind": "synthetic", "subjects": 20, "imageSize": 40, "cropSize": 36, "imagesPerExpression": 1}, "protocol": {"folds": 4, "runs": 2, "validation": 0.2}, "models": [{"name": "c", "kind": "cnn"}]}"#
    let spec = try SpecLoader.load(text: text).spec
    let dataset = try JobData.dataset(spec)
    for run in 0..<2 {
        let folds = try JobData.folds(dataset, spec, run: run)
        for fold in 0..<4 {
            let split = folds.split(dataset, fold: fold)
            let (train, validation) = JobData.validationSplit(split.train, dataset: dataset, spec, run: run, fold: fold)
            func subjects(_ indices: [Int]) -> Set<String> { Set(indices.map { dataset.samples[$0].subject }) }
            #expect(subjects(validation).count == 3)  // 20% of the 15 training subjects
            #expect(subjects(train).isDisjoint(with: subjects(validation)))
            #expect(subjects(split.test).isDisjoint(with: subjects(validation)) && subjects(split.test).isDisjoint(with: subjects(train)))
            #expect(Set(train + validation) == Set(split.train))
            // A pure function of the spec, the run and the fold.
            #expect(JobData.validationSplit(split.train, dataset: dataset, spec, run: run, fold: fold).validation == validation)
        }
    }
    // However large the share, a fold keeps at least one training subject.
    let most = try SpecLoader.load(text: text.replacingOccurrences(of: #""validation": 0.2"#, with: #""validation": 0.5"#)
        .replacingOccurrences(of: #""subjects": 20"#, with: #""subjects": 4"#)).spec
    let few = try JobData.dataset(most)
    let fewSplit = try JobData.folds(few, most, run: 0).split(few, fold: 0)
    let (kept, held) = JobData.validationSplit(fewSplit.train, dataset: few, most, run: 0, fold: 0)
    #expect(!kept.isEmpty && !held.isEmpty && Set(kept + held) == Set(fewSplit.train))
    let none = try SpecLoader.load(text: text.replacingOccurrences(of: #", "validation": 0.2"#, with: "")).spec
    let split = try JobData.folds(dataset, none, run: 0).split(dataset, fold: 0)
    #expect(JobData.validationSplit(split.train, dataset: dataset, none, run: 0, fold: 0).validation.isEmpty)
}
