// Real CK+ crops (research-only licence, never committed): when /work/shared/data/CK+48 is present,
// the folder loader finds 927 images of 106 subjects in the six classes, 981 of 118 with contempt
// kept, and ten subject-independent folds cover every image once. Skipped when the folder is absent.

import FaceData
import Foundation
import Testing

private let ckplus48 = "/work/shared/data/CK+48"

@Test(.enabled(if: FileManager.default.fileExists(atPath: ckplus48), "CK+48 is not on this machine"))
func ckplus48FolderCounts() throws {
    let six = try DatasetLoaders.builtIn.load(DatasetDescription(kind: "folder", root: ckplus48))
    #expect(six.samples.count == 927)
    #expect(six.subjects.count == 106)
    #expect(six.classes.count == 6 && six.emptyClasses.isEmpty)
    #expect(six.skipped.count == 54 && six.skipped.allSatisfy { $0.reason.contains("contempt") })

    let seven = try DatasetLoaders.builtIn.load(DatasetDescription(kind: "folder", root: ckplus48, classes: .basic6Contempt))
    #expect(seven.samples.count == 981)
    #expect(seven.subjects.count == 118)

    let folds = try FoldAssignment(dataset: six, folds: 10, seed: 1)
    let tested = (0..<10).map { folds.split(six, fold: $0).test.count }
    #expect(tested.reduce(0, +) == 927)
    #expect(tested.allSatisfy { $0 > 0 })

    // The shipped index.csv is a manifest of the same images.
    let manifest = try DatasetLoaders.builtIn.load(
        DatasetDescription(kind: "manifest", root: ckplus48 + "/index.csv"), checkImages: false)
    #expect(manifest.samples.count == 927 && manifest.subjects.count == 106)
}
