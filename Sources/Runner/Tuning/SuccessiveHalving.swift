// Asynchronous successive halving (ASHA; Li et al., "A System for Massively Parallel
// Hyperparameter Tuning", MLSys 2020) with epochs as the resource. Trials train to the first rung;
// a trial among the best 1/eta of those scored at a rung is promoted, and trains on (from its
// checkpoint) to the next rung; the others stop there.
//
// ASHA promotes as results come in, so which trials it promotes depends on the order in which
// they finish: on a machine's timing. Here results are taken in trial order instead (as if
// trial 0 finished first, then trial 1, ...): trial t's result at a rung is used once every
// earlier trial's result at that rung is known (or that trial is known not to reach it). The
// promotions are then ASHA's for that order, the same on every machine and after any restart,
// while trials still train side by side. This file decides; it runs nothing.

import Foundation

/// The epochs at which trials are scored: `max / eta^(K-k)` rounded, for k = 0...K, the largest
/// K whose first rung has at least `min` epochs; the last rung is the model's epochs.
public struct Rungs: Equatable, Sendable {
    public let epochs: [Int]

    public init(maxEpochs: Int, minEpochs: Int, eta: Int) {
        var k = 0
        var r = Double(maxEpochs)
        while r / Double(eta) >= Double(max(1, minEpochs)) {
            r /= Double(eta)
            k += 1
        }
        epochs = (0...k).map { i in max(1, Int((Double(maxEpochs) / pow(Double(eta), Double(k - i))).rounded())) }
    }

    init(epochs: [Int]) { self.epochs = epochs }
}

/// What the rule decides from the scores known so far.
public struct HalvingState: Equatable, Sendable {
    /// The highest rung each trial is promoted into (0: the first rung, which every trial trains to).
    public var target: [Int]
    /// Whether each (trial, rung) was promoted from that rung to the next.
    public var promoted: Set<TrialRung>
    /// Whether every decision is made (nothing more to train).
    public var finished: Bool
}

public struct TrialRung: Hashable, Sendable, Comparable {
    public let trial: Int
    public let rung: Int
    public init(_ trial: Int, _ rung: Int) { self.trial = trial; self.rung = rung }
    public static func < (a: TrialRung, b: TrialRung) -> Bool { (a.rung, a.trial) < (b.rung, b.trial) }
}

public enum SuccessiveHalving {
    /// A trial's score at a rung: known (a number; -infinity for a trial whose job diverged or
    /// failed there), or not yet known (nil).
    public typealias Scores = [[Double?]]

    /// Decides promotions from `scores[trial][rung]` with reduction factor `eta` over `rungs`
    /// rungs, taking results in trial order. Ties go to the lower trial.
    public static func decide(scores: Scores, rungs: Int, eta: Int) -> HalvingState {
        let n = scores.count
        var target = [Int](repeating: 0, count: n)
        var promoted: Set<TrialRung> = []
        // A trial is in rung k+1 once promoted from rung k; it is known to stay out only once
        // rung k is processed to its end. Results at a rung are taken in trial order, up to the
        // first trial whose membership or score is not known yet.
        var previousComplete = true
        for k in 0..<rungs {
            var seen: [(trial: Int, score: Double)] = []
            var complete = true
            for t in 0..<n {
                if k > 0 && !promoted.contains(TrialRung(t, k - 1)) {
                    if previousComplete { continue }
                    complete = false
                    break
                }
                guard let score = scores[t][k] else { complete = false; break }
                seen.append((t, score))
                guard k < rungs - 1 else { continue }
                let best = seen.sorted { ($0.score, -$0.trial) > ($1.score, -$1.trial) }.prefix(seen.count / eta)
                for b in best where b.score > -Double.infinity && promoted.insert(TrialRung(b.trial, k)).inserted {
                    target[b.trial] = k + 1
                }
            }
            previousComplete = complete
        }
        let finished = previousComplete
        return HalvingState(target: target, promoted: promoted, finished: finished)
    }

    /// The trial chosen: the best score at the highest rung any trial reached with a score;
    /// nil when no trial has a finite score.
    public static func best(scores: Scores) -> (trial: Int, rung: Int, score: Double)? {
        var best: (trial: Int, rung: Int, score: Double)?
        for (t, row) in scores.enumerated() {
            for (k, s) in row.enumerated() {
                guard let s, s.isFinite else { continue }
                if let b = best, (k, s) <= (b.rung, b.score) { continue }
                best = (t, k, s)
            }
        }
        return best
    }
}
