// Builds a `RunPlan`: for each experiment of a run (one, or a sweep's), the jobs that still need
// training (as `exp run` would choose them from the run log), each model's time per epoch from the
// log's measured epochs on this host when there are enough, else from its calibration, its memory
// and files from the calibration, and the data counts. Reads the run log, never writes it.

import FaceData
import Foundation
import NN
import RunLog
import Spec
import Vocabulary

public struct PlanRequest: Sendable {
    /// The experiment specs of the run (one, or a sweep's in order).
    public var specs: [LoadedSpec]
    public var results: String
    public var threadsPerJob = 1
    /// Jobs at once: local `--jobs`; the Slurm throttle (nil: every task at once).
    public var parallel: Int?
    public var slurm = false
    public var retryFailed = false
    public var onlyModel: String?
    public var onlyRun: Int?
    public var onlyFold: Int?

    public init(specs: [LoadedSpec], results: String) {
        self.specs = specs
        self.results = results
    }
}

public enum Planner {
    /// Measured epochs needed before they replace the calibration.
    static let measuredEpochsNeeded = 3
    /// A job holds more than the calibrated model and its images: the evaluation network's copy,
    /// the batch loading ahead, the character images. Measured on the demo (AMD EPYC, AVX-512):
    /// workers peaked 14-17% above the calibrated model plus data.
    static let memoryMargin = 1.25

    /// The plan of `request`; `calibrate` measures a model with the given number of copies at once
    /// (normally `Calibration.measure`, in child processes).
    public static func plan(_ request: PlanRequest, calibrate: (LoadedSpec, ModelSpec, _ copies: Int) throws -> Calibration) throws -> RunPlan {
        let layout = ResultsLayout(root: request.results)
        // A log this build cannot read as it is (an earlier schema, which `exp run` migrates after
        // planning) plans as if empty: every job to run, no measured epochs.
        let store = FileManager.default.fileExists(atPath: layout.database) ? try? RunStore(path: layout.database, readOnly: true) : nil
        defer { try? store?.close() }
        let measured = try store.map(measuredEpochs) ?? [:]
        var plan = RunPlan(parallel: request.parallel, threadsPerJob: request.threadsPerJob, slurm: request.slurm,
                           cores: ProcessInfo.processInfo.activeProcessorCount, machineMemory: Int(ProcessInfo.processInfo.physicalMemory),
                           folder: layout.root, freeBytes: DiskSpace.freeBytes(at: layout.root))
        var calibrations: [String: Calibration] = [:]
        var cachedDatasets = Set<String>()
        for loaded in request.specs {
            let spec = loaded.spec
            let data = try PlanDataCounts.of(spec)
            plan.data[spec.name] = data
            var records: [JobRecord] = []
            if let store, let experiment = try? store.experiment(matching: loaded.hash) { records = try store.jobs(experimentID: experiment.id) }
            for model in spec.models where request.onlyModel.map({ $0 == model.name }) ?? true {
                let keys = Spec.plan(spec).filter { key in
                    key.modelName == model.name && (request.onlyRun ?? key.run) == key.run && (request.onlyFold ?? key.fold) == key.fold
                }
                var remaining: [Int] = []
                var fresh = 0
                for key in keys {
                    let record = records.first { r in r.modelName == key.modelName && r.run == key.run && r.fold == key.fold }
                    switch record?.status {
                    case .completed?: continue
                    case .failed?, .diverged?: if !request.retryFailed { continue }
                    default: break
                    }
                    let done = record?.epochsDone ?? 0
                    remaining.append(max(0, model.epochs - done))
                    if done == 0 { fresh += 1 }
                }
                let costKey = try JobIdentity.costKey(spec: spec, model: model, threads: request.threadsPerJob)
                // Local jobs at once share the cores: calibrated as many at once (Slurm tasks: one per node's share).
                let copies = request.slurm ? 1
                    : max(1, min(request.parallel ?? 1, ProcessInfo.processInfo.activeProcessorCount / max(1, request.threadsPerJob), remaining.count))
                if calibrations[costKey] == nil { calibrations[costKey] = try calibrate(loaded, model, copies) }
                let calibration = calibrations[costKey]!
                let batches = Int((Double(data.train * spec.dataset.augmentation.variantCount) / Double(model.batchSize)).rounded(.up))
                let evaluated = data.test + data.validation + (model.training.evaluation == .last ? 0 : data.train)
                var time = Estimate(
                    value: Double(batches) * calibration.secondsPerStep + Double(evaluated) * calibration.inferenceSecondsPerImage
                        + calibration.checkpointWriteSeconds,
                    source: "calibrated\(copies > 1 ? " (\(copies) at once)" : ""): \(batches) steps of batch \(model.batchSize) at \(String(format: "%.3g", calibration.secondsPerStep)) s "
                        + "+ evaluation of \(evaluated) images + checkpoint")
                if let seconds = measured[costKey], seconds.count >= measuredEpochsNeeded {
                    time = Estimate(value: median(seconds), source: "measured: median of \(seconds.count) epochs in the run log on this host")
                }
                let s = spec.dataset
                let dataBytes = data.images * 4 * s.channels * (s.imageSize * s.imageSize + s.cropSize * s.cropSize)
                let every = model.hagan?.sampleEvery ?? 0
                let grids = model.kind == .hagan && every > 0 ? model.epochs / every + (model.epochs % every == 0 ? 0 : 1) : 0
                plan.models.append(RunPlan.ModelPlan(
                    experiment: spec.name, name: model.name, kind: model.kind, jobs: remaining.count, jobsTotal: keys.count,
                    epochsPerJob: model.epochs, epochsToRun: remaining.reduce(0, +), batchesPerEpoch: batches, secondsPerEpoch: time,
                    peakMemory: Estimate(value: Double(calibration.peakMemoryBytes + dataBytes) * memoryMargin,
                                         source: "calibrated model (\(Bytes.text(calibration.peakMemoryBytes))) + data (\(Bytes.text(dataBytes))), "
                                             + "+25% for the rest of a job"),
                    checkpointBytes: calibration.checkpointBytes + 4096 + 800 * model.epochs,
                    sampleGridsPerJob: grids, sampleGridBytes: calibration.sampleGridBytes, remainingEpochs: remaining))
                // The run log: every epoch's metrics, the test predictions, the job's rows.
                let metricsPerEpoch = model.kind == .hagan ? MetricKey.hagan.count : 4
                plan.runLogBytes += remaining.reduce(0) { $0 + $1 * (metricsPerEpoch + (data.validation > 0 ? 1 : 0)) * 110 }
                    + fresh * (data.test * (120 + 24 * s.classes.names.count) + 2048)
            }
            let datasetKey = "\(spec.dataset.kind.rawValue):\(spec.dataset.root ?? "")"
            if spec.dataset.kind != .synthetic, !cachedDatasets.contains(datasetKey), !hasFiles(layout.faces.folder) {
                cachedDatasets.insert(datasetKey)
                plan.faceCacheBytes += data.images * (spec.dataset.imageSize * spec.dataset.imageSize * spec.dataset.channels + 1024)
            }
        }
        return plan
    }

    /// Measured epoch seconds on this host, by cost key.
    static func measuredEpochs(_ store: RunStore) throws -> [String: [Double]] {
        let intervals = try store.epochIntervals(host: Machine.host)
        guard !intervals.isEmpty else { return [:] }
        var keys: [Int64: [String: String]] = [:]
        for e in try store.experiments() where intervals.contains(where: { $0.experimentID == e.id }) {
            guard let spec = try? SpecLoader.load(text: e.specJSON).spec else { continue }
            var byModel: [String: String] = [:]
            for model in spec.models { byModel[model.name] = try? JobIdentity.costKey(spec: spec, model: model, threads: e.provenance.blasThreads) }
            keys[e.id] = byModel
        }
        var out: [String: [Double]] = [:]
        for i in intervals {
            if let key = keys[i.experimentID]?[i.modelName] { out[key, default: []].append(i.seconds) }
        }
        return out
    }

    /// The median (the mean of the middle two for an even count); `values` must not be empty.
    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    private static func hasFiles(_ folder: String) -> Bool {
        !((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).isEmpty
    }
}
