// Successive halving as `exp tune` decides it: the rungs, ASHA's promotion rule with results taken
// in trial order (including a trial promoted late, when more results make room for it), nothing
// decided past a result not known yet, diverged trials never promoted, and the choice.

import Runner
import Testing

@Test func rungsShareTheEpochsOutByEta() {
    #expect(Rungs(maxEpochs: 30, minEpochs: 3, eta: 3).epochs == [3, 10, 30])
    #expect(Rungs(maxEpochs: 6, minEpochs: 2, eta: 3).epochs == [2, 6])
    #expect(Rungs(maxEpochs: 81, minEpochs: 1, eta: 3).epochs == [1, 3, 9, 27, 81])
    #expect(Rungs(maxEpochs: 4, minEpochs: 3, eta: 3).epochs == [4])
}

@Test func promotionsFollowAshasRuleInTrialOrder() {
    // Trial 1 leads after three results; after six, two may go on and trial 0 (second best) joins.
    let scores: SuccessiveHalving.Scores = [[50, nil], [90, nil], [10, nil], [20, nil], [30, nil], [10, nil]]
    let state = SuccessiveHalving.decide(scores: scores, rungs: 2, eta: 3)
    #expect(state.promoted == [TrialRung(1, 0), TrialRung(0, 0)])
    #expect(state.target == [1, 1, 0, 0, 0, 0])
    #expect(!state.finished, "the promoted trials' second rung is not scored yet")

    // Nothing is decided past a result not known yet: with trial 2 unknown, trial 1's lead
    // among two results promotes nothing, and later results wait.
    var partial = scores
    partial[2][0] = nil
    #expect(SuccessiveHalving.decide(scores: partial, rungs: 2, eta: 3).promoted.isEmpty)
    // Every partial decision is part of the final one.
    for known in 0...6 {
        let prefix = scores.enumerated().map { t, row in t < known ? row : [nil, nil] }
        #expect(SuccessiveHalving.decide(scores: prefix, rungs: 2, eta: 3).promoted.isSubset(of: state.promoted))
    }

    var done = scores
    done[0][1] = 70
    done[1][1] = 60
    let final = SuccessiveHalving.decide(scores: done, rungs: 2, eta: 3)
    #expect(final.finished)
    // The choice is the best at the highest rung reached, not the best first-rung score.
    #expect(SuccessiveHalving.best(scores: done).map { [$0.trial, $0.rung] } == [0, 1])
}

@Test func divergedTrialsAreNeverPromotedAndScoresDecideAlone() {
    let diverged: SuccessiveHalving.Scores = [[-.infinity, nil], [-.infinity, nil], [-.infinity, nil]]
    let none = SuccessiveHalving.decide(scores: diverged, rungs: 2, eta: 3)
    #expect(none.promoted.isEmpty)
    #expect(none.finished)
    let scores = diverged + [[5, nil]]
    let state = SuccessiveHalving.decide(scores: scores, rungs: 2, eta: 3)
    #expect(state.promoted == [TrialRung(3, 0)])
    #expect(SuccessiveHalving.best(scores: scores).map(\.trial) == 3)
    #expect(SuccessiveHalving.best(scores: [[-.infinity]]) == nil)
    // Ties go to the lower trial.
    let tied = SuccessiveHalving.decide(scores: [[40, nil], [40, nil], [40, nil]], rungs: 2, eta: 3)
    #expect(tied.promoted == [TrialRung(0, 0)])
}
