import Report
import Testing

@Test func meanAndStandardDeviation() {
    #expect(Statistics.mean([1, 2, 3, 4]) == 2.5)
    // Sample variance of 1..4: ((1.5^2 + 0.5^2) * 2) / 3 = 5/3.
    #expect(abs(Statistics.standardDeviation([1, 2, 3, 4])! - (5.0 / 3).squareRoot()) < 1e-12)
    #expect(Statistics.standardDeviation([0.9]) == nil)
    #expect(Statistics.mean([]) == nil)
}

@Test func pooledAccuracyWeighsFoldsBySize() {
    // Folds of 10 (9 right) and 30 (15 right): pooled 24/40 = 0.6, not the fold mean 0.7.
    #expect(Statistics.pooledAccuracy(correct: [9, 15], total: [10, 30]) == 0.6)
    #expect(Statistics.pooledAccuracy(correct: [], total: []) == nil)
}

@Test func studentTDistributionMatchesTables() {
    // Two-sided critical values of Student's t at 95%: df 1 -> 12.706, 4 -> 2.776, 9 -> 2.262, 30 -> 2.042.
    for (df, q) in [(1.0, 12.7062), (4, 2.7764), (9, 2.2622), (30, 2.0423)] {
        #expect(abs(Statistics.studentTQuantile(0.975, df: df) - q) < 1e-3, "df \(df)")
    }
    // t = 2.262 with 9 df is p = 0.05 two-sided; t = 0 is p = 1.
    #expect(abs(Statistics.twoSidedPValue(t: 2.2622, df: 9) - 0.05) < 1e-4)
    #expect(abs(Statistics.twoSidedPValue(t: 0, df: 5) - 1) < 1e-12)
    // I_x(1, 1) = x and I_x(2, 1) = x^2.
    #expect(abs(Statistics.regularizedIncompleteBeta(0.3, a: 1, b: 1) - 0.3) < 1e-12)
    #expect(abs(Statistics.regularizedIncompleteBeta(0.3, a: 2, b: 1) - 0.09) < 1e-12)
}

@Test func pairedComparisonByHand() {
    // Differences 0.1, 0.2, 0.3, 0.2: mean 0.2, sd sqrt(0.02/3), se = sd / 2, t = 0.2 / se = 4.899 (3 df).
    let a = [0.9, 0.8, 0.9, 0.7], b = [0.8, 0.6, 0.6, 0.5]
    let c = Statistics.paired(a, b)!
    #expect(c.count == 4 && abs(c.meanDifference - 0.2) < 1e-12)
    let se = (0.02 / 3).squareRoot() / 2
    #expect(abs(c.t! - 0.2 / se) < 1e-9)
    // t(3) at 97.5% is 3.1824; p for t = 4.899 with 3 df is 0.0163.
    #expect(abs(c.confidenceInterval!.low - (0.2 - 3.1824 * se)) < 1e-4)
    #expect(abs(c.confidenceInterval!.high - (0.2 + 3.1824 * se)) < 1e-4)
    #expect(abs(c.pValue! - 0.0163) < 5e-4)
    // No spread: no interval, no p-value.
    let same = Statistics.paired([0.5, 0.6], [0.4, 0.5])!
    #expect(same.confidenceInterval == nil && same.pValue == nil && abs(same.meanDifference - 0.1) < 1e-12)
}

@Test func correctedResampledTTestWidensTheInterval() throws {
    // Differences 1, 3, -1, 5 points over 4 folds of a 5-fold cross-validation: n_test / n_train = 1/4.
    let a = [0.81, 0.83, 0.79, 0.85], b = [0.80, 0.80, 0.80, 0.80]
    let plain = try #require(Statistics.paired(a, b))
    let corrected = try #require(Statistics.paired(a, b, testTrainRatio: 0.25))
    // mean 0.02, s = 0.025820, corrected SE = s * sqrt(1/4 + 1/4): t = 1.095445; p from Student's t
    // with 3 degrees of freedom (numerical integration of its density: 0.353386).
    #expect(abs(corrected.meanDifference - 0.02) < 1e-12)
    #expect(abs(try #require(corrected.t) - 1.095445) < 1e-5)
    #expect(abs(try #require(corrected.pValue) - 0.353386) < 1e-5)
    #expect(try #require(corrected.pValue) > (try #require(plain.pValue)))
    let (low, high) = try #require(corrected.confidenceInterval), (plainLow, plainHigh) = try #require(plain.confidenceInterval)
    #expect(low < plainLow && high > plainHigh)
}
