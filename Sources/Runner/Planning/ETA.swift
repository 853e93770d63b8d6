// How long an experiment still runs, as `exp status` tells it: the epochs its unfinished jobs
// still train, each at the median time of its model's epochs measured in this experiment so far,
// shared among the jobs running now.

import Foundation
import RunLog

public struct ExperimentETA: Equatable, Sendable {
    /// Seconds until every unfinished job is done; nil before any epoch of a model still to train was measured.
    public var seconds: Double?
    /// Jobs running now (the parallelism assumed).
    public var running: Int
    /// Epochs still to train.
    public var epochsLeft: Int
    /// Median seconds per epoch of each model with measured epochs.
    public var epochSeconds: [String: Double]

    /// The estimate for `jobs` (one experiment's) from `intervals` (its measured epochs).
    public static func estimate(jobs: [JobRecord], intervals: [RunStore.EpochInterval]) -> ExperimentETA {
        var byModel: [String: [Double]] = [:]
        for i in intervals { byModel[i.modelName, default: []].append(i.seconds) }
        let medians = byModel.mapValues(Planner.median)
        let open = jobs.filter { [.pending, .running, .interrupted].contains($0.status) }
        let running = jobs.filter { $0.status == .running }.count
        var total = 0.0, known = true, left = 0
        for j in open {
            let epochs = max(0, j.epochsPlanned - j.epochsDone)
            left += epochs
            guard epochs > 0 else { continue }
            if let m = medians[j.modelName] { total += Double(epochs) * m } else { known = false }
        }
        return ExperimentETA(seconds: known ? total / Double(max(1, running)) : nil, running: running, epochsLeft: left,
                             epochSeconds: medians)
    }
}
