// Real CK+ crops (research-only licence, never committed): when CK+48 is present, the folder loader
// finds 927 images of 106 subjects in the six classes, 981 of 118 with contempt kept, and ten
// subject-independent folds cover every image once. The folder is `../shared/data/CK+48` next to
// the package root (found from this file's path), or wherever `EXP_CK48` points; without it the
// test is skipped with one line saying where it looked.

import FaceData
import Foundation
import TestSupport
import Testing

enum RealData {
    static let variable = "EXP_CK48"

    /// `$EXP_CK48`, else `../shared/data/CK+48` from the package root.
    static let ckplus48: String = {
        if let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty { return path }
        return URL(fileURLWithPath: repositoryRoot()).appendingPathComponent("../shared/data/CK+48").standardized.path
    }()

    static var present: Bool { FileManager.default.fileExists(atPath: ckplus48) }

    static var skipReason: Comment {
        Comment(rawValue: "real-data tests skipped: no CK+48 at \(ckplus48) (set \(variable) to its folder)")
    }
}

// The condition sits on the one test, not on a suite: a skipped suite reports its tests skipped too,
// which would print the reason twice.
struct RealDataTests {
    @Test(.enabled(if: RealData.present, RealData.skipReason))
    func ckplus48FolderCounts() throws {
        let root = RealData.ckplus48
        let six = try DatasetLoaders.builtIn.load(DatasetDescription(kind: "folder", root: root))
        #expect(six.samples.count == 927)
        #expect(six.subjects.count == 106)
        #expect(six.classes.count == 6 && six.emptyClasses.isEmpty)
        #expect(six.skipped.count == 54 && six.skipped.allSatisfy { $0.reason.contains("contempt") })

        let seven = try DatasetLoaders.builtIn.load(DatasetDescription(kind: "folder", root: root, classes: .basic6Contempt))
        #expect(seven.samples.count == 981)
        #expect(seven.subjects.count == 118)

        let folds = try FoldAssignment(dataset: six, folds: 10, seed: 1)
        let tested = (0..<10).map { folds.split(six, fold: $0).test.count }
        #expect(tested.reduce(0, +) == 927)
        #expect(tested.allSatisfy { $0 > 0 })

        // The shipped index.csv is a manifest of the same images.
        let manifest = try DatasetLoaders.builtIn.load(
            DatasetDescription(kind: "csv", root: root + "/index.csv"), checkImages: false)
        #expect(manifest.samples.count == 927 && manifest.subjects.count == 106)
    }
}
