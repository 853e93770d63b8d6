// Statistics of the report: accuracy pooled over the test folds of a run, mean and sample standard
// deviation over runs, and the paired comparison of two models over the same folds (mean
// difference, its 95% confidence interval from Student's t, and the two-sided paired t-test p-value).

import Foundation

public enum Statistics {
    /// Arithmetic mean; nil for no values.
    public static func mean(_ xs: [Double]) -> Double? {
        xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count)
    }

    /// Sample standard deviation (n - 1 in the denominator); nil for fewer than two values.
    public static func standardDeviation(_ xs: [Double]) -> Double? {
        guard xs.count >= 2, let m = mean(xs) else { return nil }
        return (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count - 1)).squareRoot()
    }

    /// Accuracy pooled over folds: all correct predictions over all test samples of a run
    /// (not the mean of per-fold accuracies, which weighs small folds more).
    public static func pooledAccuracy(correct: [Int], total: [Int]) -> Double? {
        let n = total.reduce(0, +)
        return n == 0 ? nil : Double(correct.reduce(0, +)) / Double(n)
    }

    public struct PairedComparison: Equatable, Sendable {
        public var count: Int
        public var meanDifference: Double
        /// 95% confidence interval of the mean difference (nil with fewer than two pairs or no spread).
        public var confidenceInterval: (low: Double, high: Double)?
        /// Two-sided p-value of the paired t-test (nil when undefined).
        public var pValue: Double?
        public var t: Double?

        public static func == (a: PairedComparison, b: PairedComparison) -> Bool {
            a.count == b.count && a.meanDifference == b.meanDifference && a.pValue == b.pValue && a.t == b.t
                && a.confidenceInterval?.low == b.confidenceInterval?.low && a.confidenceInterval?.high == b.confidenceInterval?.high
        }
    }

    /// Paired comparison of `a - b` over matched pairs (e.g. HA-GAN and baseline accuracy per fold).
    /// The plain paired t-test treats the pairs as independent, which folds of one cross-validation
    /// are not (their training sets overlap). With `testTrainRatio` (n_test / n_train, 1 / (k - 1)
    /// for k folds) it is Nadeau and Bengio's corrected resampled t-test (Machine Learning 52, 2003):
    /// the variance of the mean difference is s^2 (1 / J + n_test / n_train) instead of s^2 / J.
    public static func paired(_ a: [Double], _ b: [Double], level: Double = 0.95, testTrainRatio: Double? = nil) -> PairedComparison? {
        precondition(a.count == b.count, "paired comparison of \(a.count) and \(b.count) values")
        let d = zip(a, b).map { $0 - $1 }
        guard let m = mean(d) else { return nil }
        guard let sd = standardDeviation(d), sd > 0 else {
            return PairedComparison(count: d.count, meanDifference: m, confidenceInterval: nil, pValue: nil, t: nil)
        }
        let df = Double(d.count - 1)
        let se = sd * (1 / Double(d.count) + (testTrainRatio ?? 0)).squareRoot()
        let t = m / se
        let q = studentTQuantile(1 - (1 - level) / 2, df: df)
        return PairedComparison(count: d.count, meanDifference: m, confidenceInterval: (m - q * se, m + q * se),
                                pValue: twoSidedPValue(t: t, df: df), t: t)
    }

    /// P(|T| >= |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t^2)}(df/2, 1/2).
    public static func twoSidedPValue(t: Double, df: Double) -> Double {
        regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
    }

    /// The `p` quantile of Student's t (p in (0.5, 1)), by bisection on the distribution function.
    public static func studentTQuantile(_ p: Double, df: Double) -> Double {
        precondition(p > 0.5 && p < 1, "studentTQuantile needs p in (0.5, 1), got \(p)")
        let target = 2 * (1 - p)  // two-sided tail mass at the quantile
        var lo = 0.0, hi = 1.0
        while twoSidedPValue(t: hi, df: df) > target { hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if twoSidedPValue(t: mid, df: df) > target { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// I_x(a, b), the regularised incomplete beta function, by its continued fraction (Lentz's
    /// method), using the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where the fraction converges slowly.
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
        let lnPowers: Double = a * log(x) + b * log(1 - x)
        let lnFront = lnPowers - lnBeta
        if x > (a + 1) / (a + b + 2) {
            return 1 - regularizedIncompleteBeta(1 - x, a: b, b: a)
        }
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var f = d
        for m in 1...500 {
            let m = Double(m)
            // Even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)).
            var num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            f *= d * c
            // Odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
            num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            f *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return exp(lnFront) * f / a
    }
}
