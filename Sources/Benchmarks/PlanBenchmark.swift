// `exp bench plan`: how far the plan `exp run` prints is from what the run then takes. Runs a spec in
// a results folder of its own (fresh: the plan is a calibration; or one with earlier runs: measured
// epochs), and sets the plan's figures beside the measured ones: the wall time of the run, each
// model's time per epoch (the median of its epochs in the run log), the disk the run wrote, and the
// largest child process's peak memory (the workers; the calibration's processes are smaller).

import Foundation
import NN
import RunLog
import Runner

public struct PlanCheck: Sendable {
    public struct Model: Sendable {
        public var name: String
        public var plannedEpoch: Double
        public var measuredEpoch: Double?
        public var source: String
    }
    public var plannedWall: Double
    public var measuredWall: Double
    public var models: [Model]
    public var plannedDisk: Int
    public var measuredDisk: Int
    public var plannedMemory: Int
    public var measuredMemory: Int
}

public enum PlanBenchmark {
    /// Runs `request` with `worker` and returns the plan beside the measurements.
    public static func run(_ request: RunRequest, worker: URL, toolVersion: String) throws -> PlanCheck {
        nonisolated(unsafe) var planned: RunPlan?
        let outcome = try ExperimentRun.run(request, toolVersion: toolVersion, worker: worker, progress: nil, onPlan: { planned = $0 })
        guard let plan = planned else { throw PlanError.calibrationFailed(model: "-", detail: "the run made no plan") }
        let layout = ResultsLayout(root: URL(fileURLWithPath: request.results).standardizedFileURL.path)
        let store = try RunStore(path: layout.database, readOnly: true)
        defer { try? store.close() }
        let ids = Set(outcome.experiments.map(\.id))
        let intervals = try store.epochIntervals(host: Machine.host).filter { ids.contains($0.experimentID) }
        let models = plan.models.filter { $0.jobs > 0 }.map { m in
            let seconds = intervals.filter { $0.modelName == m.name }.map(\.seconds)
            return PlanCheck.Model(name: m.name, plannedEpoch: m.secondsPerEpoch.value,
                                   measuredEpoch: seconds.isEmpty ? nil : Measure.median(of: seconds), source: m.secondsPerEpoch.source)
        }
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        return PlanCheck(plannedWall: plan.wallSeconds, measuredWall: outcome.summary.wallSeconds, models: models,
                         plannedDisk: plan.diskAtEnd, measuredDisk: folderBytes(layout.root), plannedMemory: plan.peakMemoryPerJob,
                         measuredMemory: Int(usage.ru_maxrss) * 1024)
    }

    /// Bytes of the files under `folder`.
    static func folderBytes(_ folder: String) -> Int {
        var total = 0
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return 0 }
        for case let path as String in walker {
            let attributes = try? FileManager.default.attributesOfItem(atPath: (folder as NSString).appendingPathComponent(path))
            if attributes?[.type] as? FileAttributeType == .typeRegular { total += (attributes?[.size] as? Int) ?? 0 }
        }
        return total
    }
}
