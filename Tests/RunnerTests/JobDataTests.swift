// The spec's dataset section becomes the FaceData description the loaders read; a batch that
// cannot be loaded ends the epoch's batches with its error.

import FaceData
import Runner
import Spec
import Testing

@Test func renamedDatasetFoldersReachTheLoaderOptions() throws {
    let ckplus = try SpecLoader.load(text: #"{"specVersion": 1, "name": "m", "dataset": {"kind": "ckplus", "root": "/d", "frames": "last1", "imagesFolder": "frames", "landmarksFolder": "lm"}, "models": [{"name": "a", "kind": "cnn"}]}"#)
    let d = JobData.description(ckplus.spec)
    #expect(d.kind == "ckplus" && d.root == "/d")
    #expect(d.options == ["frames": "1", "images": "frames", "landmarks": "lm"])
    let mmi = try SpecLoader.load(text: #"{"specVersion": 1, "name": "m", "dataset": {"kind": "mmi", "root": "/d", "labelsFile": "meta.csv"}, "models": [{"name": "a", "kind": "cnn"}]}"#)
    #expect(JobData.description(mmi.spec).options == ["frames": "3", "labels": "meta.csv"])
    let aligned = try SpecLoader.load(text: #"{"specVersion": 1, "name": "m", "dataset": {"kind": "folder", "root": "/d", "openface": "/of"}, "models": [{"name": "a", "kind": "cnn"}]}"#)
    #expect(JobData.description(aligned.spec).options["openface"] == "/of")
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
