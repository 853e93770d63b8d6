// Subject-independent folds: over many seeds and subject counts no subject crosses a split and
// every image is tested exactly once; the assignment is deterministic per seed; classes are spread
// across folds; fewer subjects than folds is an error with the count.

import FaceData
import NN
import Testing
import Vocabulary

/// An in-memory dataset: `subjects` subjects with 1-6 images each over six classes.
private func syntheticDataset(subjects: Int, seed: UInt64) -> Dataset {
    var generator = SeededGenerator(seed: seed)
    let pixel = Image(width: 1, height: 1, channels: 1)
    var samples: [Sample] = []
    for s in 0..<subjects {
        for _ in 0..<(1 + generator.int(below: 6)) {
            let label = generator.int(below: 6)
            samples.append(Sample(source: .memory(pixel), label: label, expression: Vocabulary.Expression.basic6[label],
                                  subject: "S\(s)"))
        }
    }
    return Dataset(description: DatasetDescription(source: .synthetic(SyntheticSource()), root: ""), classes: Vocabulary.Expression.basic6, samples: samples)
}

@Test func foldsNeverShareSubjectsAndTestEveryImageOnce() throws {
    for subjects in [2, 3, 7, 10, 11, 25, 60] {
        for folds in [2, 5, 10] where folds <= subjects {
            for seed in UInt64(1)...8 {
                let d = syntheticDataset(subjects: subjects, seed: seed * 100 + UInt64(subjects))
                let assignment = try FoldAssignment(dataset: d, folds: folds, seed: seed)
                var tested = [Int](repeating: 0, count: d.samples.count)
                for f in 0..<folds {
                    let (train, test) = assignment.split(d, fold: f)
                    #expect(train.count + test.count == d.samples.count)
                    #expect(!test.isEmpty, "fold \(f) of \(folds) with \(subjects) subjects is empty")
                    let testSubjects = Set(test.map { d.samples[$0].subject })
                    #expect(train.allSatisfy { !testSubjects.contains(d.samples[$0].subject) })
                    for i in test { tested[i] += 1 }
                }
                #expect(tested.allSatisfy { $0 == 1 })
                #expect(assignment.subjectsPerFold.map(\.count).reduce(0, +) == subjects)
            }
        }
    }
}

@Test func foldsAreDeterministicPerSeed() throws {
    let d = syntheticDataset(subjects: 40, seed: 3)
    let a = try FoldAssignment(dataset: d, folds: 10, seed: 7)
    #expect(a == (try FoldAssignment(dataset: d, folds: 10, seed: 7)))
    let others = try (UInt64(8)...12).map { try FoldAssignment(dataset: d, folds: 10, seed: $0) }
    #expect(others.contains { $0.foldOfSubject != a.foldOfSubject })
}

@Test func foldsBalanceClassesWhenSubjectsAllow() throws {
    // 30 subjects each with one image of every class: every fold should get 3 subjects.
    let pixel = Image(width: 1, height: 1, channels: 1)
    var samples: [Sample] = []
    for s in 0..<30 {
        for c in 0..<6 { samples.append(Sample(source: .memory(pixel), label: c, expression: Vocabulary.Expression.basic6[c], subject: "S\(s)")) }
    }
    let d = Dataset(description: DatasetDescription(source: .synthetic(SyntheticSource()), root: ""), classes: Vocabulary.Expression.basic6, samples: samples)
    let a = try FoldAssignment(dataset: d, folds: 10, seed: 1)
    #expect(a.countsPerFold(d).allSatisfy { $0 == [3, 3, 3, 3, 3, 3] })
}

@Test func fewerSubjectsThanFoldsIsAnErrorWithTheCount() {
    let d = syntheticDataset(subjects: 4, seed: 1)
    #expect(throws: DataError.tooFewSubjects(subjects: 4, folds: 10)) { try FoldAssignment(dataset: d, folds: 10, seed: 1) }
    #expect(DataError.tooFewSubjects(subjects: 4, folds: 10).description.contains("4 subject"))
}

@Test func foldAssignmentRoundTripsThroughJSON() throws {
    let d = syntheticDataset(subjects: 12, seed: 2)
    let a = try FoldAssignment(dataset: d, folds: 3, seed: 5)
    let data = try JSONEncoder().encode(a)
    #expect(try JSONDecoder().decode(FoldAssignment.self, from: data) == a)
}

import Foundation
