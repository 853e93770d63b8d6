// Subject-independent k-fold splits: every subject's images go to exactly one test fold, so no
// subject is on both sides of a split (checked when a split is built). Subjects are assigned
// greedily, largest first (ties ordered by the seed), each to the fold whose class counts stay
// closest to an equal share, which balances the classes across folds as far as subjects allow.

import NN

public struct FoldAssignment: Equatable, Codable, Sendable {
    public var folds: Int
    public var seed: UInt64
    /// The test fold of each subject; recorded so a run can report it.
    public var foldOfSubject: [String: Int]

    /// Splits the dataset's subjects into `folds` folds. Throws `tooFewSubjects` when there are
    /// fewer subjects than folds.
    public init(dataset: Dataset, folds: Int, seed: UInt64) throws {
        precondition(folds >= 2, "FoldAssignment needs at least 2 folds, got \(folds)")
        let classCount = dataset.classes.count
        var perSubject: [String: [Int]] = [:]
        for s in dataset.samples {
            perSubject[s.subject, default: [Int](repeating: 0, count: classCount)][s.label] += 1
        }
        guard perSubject.count >= folds else { throw DataError.tooFewSubjects(subjects: perSubject.count, folds: folds) }

        var generator = SeededGenerator(seed: seed).child("folds")
        var subjects = perSubject.keys.sorted()
        generator.shuffle(&subjects)
        let order = subjects.enumerated().sorted { a, b in
            let na = perSubject[a.element]!.reduce(0, +), nb = perSubject[b.element]!.reduce(0, +)
            return na != nb ? na > nb : a.offset < b.offset
        }.map(\.element)

        let totals = (0..<classCount).map { c in Double(dataset.samples.lazy.filter { $0.label == c }.count) }
        let share = totals.map { $0 / Double(folds) }
        let totalShare = totals.reduce(0, +) / Double(folds)
        var counts = [[Double]](repeating: [Double](repeating: 0, count: classCount), count: folds)
        var sizes = [Double](repeating: 0, count: folds)
        var subjectCount = [Int](repeating: 0, count: folds)
        var assignment: [String: Int] = [:]
        for (index, subject) in order.enumerated() {
            let add = perSubject[subject]!.map(Double.init)
            let remaining = order.count - index
            let empty = (0..<folds).filter { subjectCount[$0] == 0 }
            // Every fold must receive a subject: once the remaining subjects only just cover the
            // empty folds, they go there.
            let candidates = remaining <= empty.count ? empty : Array(0..<folds)
            var best = candidates[0]
            var bestCost = Double.infinity
            for f in candidates {
                // The change in squared relative deviation from the equal share, per class and in size.
                var cost = 0.0
                for c in 0..<classCount where share[c] > 0 {
                    let before = (counts[f][c] - share[c]) / share[c]
                    let after = (counts[f][c] + add[c] - share[c]) / share[c]
                    cost += after * after - before * before
                }
                let size = add.reduce(0, +)
                let before = (sizes[f] - totalShare) / max(totalShare, 1)
                let after = (sizes[f] + size - totalShare) / max(totalShare, 1)
                cost += Double(classCount) * (after * after - before * before)
                if cost < bestCost {
                    bestCost = cost
                    best = f
                }
            }
            assignment[subject] = best
            subjectCount[best] += 1
            sizes[best] += add.reduce(0, +)
            for c in 0..<classCount { counts[best][c] += add[c] }
        }
        self.folds = folds
        self.seed = seed
        self.foldOfSubject = assignment
    }

    /// Sample indices of the test and training sides of `fold`. Checks (precondition) that no
    /// subject is on both sides.
    public func split(_ dataset: Dataset, fold: Int) -> (train: [Int], test: [Int]) {
        precondition(fold >= 0 && fold < folds, "fold \(fold) outside 0..<\(folds)")
        var train: [Int] = [], test: [Int] = []
        for (i, s) in dataset.samples.enumerated() {
            guard let f = foldOfSubject[s.subject] else {
                preconditionFailure("subject \(s.subject) has no fold: the assignment was made for another dataset")
            }
            if f == fold { test.append(i) } else { train.append(i) }
        }
        let testSubjects = Set(test.map { dataset.samples[$0].subject })
        precondition(train.allSatisfy { !testSubjects.contains(dataset.samples[$0].subject) },
                     "fold \(fold): a subject is in both the training and the test side")
        return (train, test)
    }

    /// Subjects of each fold, sorted.
    public var subjectsPerFold: [[String]] {
        var result = [[String]](repeating: [], count: folds)
        for (subject, f) in foldOfSubject { result[f].append(subject) }
        return result.map { $0.sorted() }
    }

    /// Image count per fold and class (test side).
    public func countsPerFold(_ dataset: Dataset) -> [[Int]] {
        var counts = [[Int]](repeating: [Int](repeating: 0, count: dataset.classes.count), count: folds)
        for s in dataset.samples { if let f = foldOfSubject[s.subject] { counts[f][s.label] += 1 } }
        return counts
    }
}
