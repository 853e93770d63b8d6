// `exp tune SPEC --space KEY=SET ... --trials N`: each model of the spec gets N trials, drawn at
// random from the space (`TuneSpace`); each trial is an experiment of its own (the model alone,
// run 0 of the first `folds` folds, `protocol.test` false: its jobs never load their test
// fold) trained through the same coordinator and workers as `exp run`. Trials train to the first
// rung, and successive halving (`SuccessiveHalving`) promotes the best to train on from their
// checkpoints. Scores, rungs and promotions go to the run log (`tunes`, `tune_trials`,
// `tune_rungs`); everything is decided from the run log's metrics, so a tune stopped at any
// moment (kill -9 included) and run again makes the same choices.

import Foundation
import Hashing
import RunLog
import Spec
import Vocabulary

public struct TuneRequest: Sendable {
    public var specPath: String
    public var overrides: [String] = []
    /// The `--space KEY=SET` options as typed.
    public var space: [String]
    /// Trials per model.
    public var trials: Int
    /// Reduction factor: the best 1/eta of a rung's trials are promoted.
    public var eta = 3
    /// The fewest epochs of the first rung.
    public var minEpochs = 3
    /// The first `folds` folds of run 0 score each trial (their validation subjects).
    public var folds = 2
    /// The models tuned (names); empty: every model of the spec.
    public var models: [String] = []
    public var results = "results"
    /// Where the trials' jobs run: local worker processes (`jobs` at once) or Slurm array tasks.
    public var executor: ExecutorChoice = .local(jobs: 1)
    public var threadsPerJob = 1

    public init(specPath: String, space: [String], trials: Int) {
        self.specPath = specPath
        self.space = space
        self.trials = trials
    }
}

public enum TuneError: Error, CustomStringConvertible {
    case noValidation(spec: String)
    case tooManyFolds(asked: Int, spec: String, folds: Int)
    case unknownModel(String, known: [String])
    case noChoice(model: String)
    case spaceTooSmall(model: String, trials: Int, distinct: Int)

    public var description: String {
        switch self {
        case .noValidation(let spec):
            return "\(spec) holds out no validation subjects: a tune scores trials on them only. Set protocol.validation "
                + "(e.g. --set protocol.validation=0.1)"
        case .tooManyFolds(let asked, let spec, let folds):
            return "--folds \(asked): \(spec) has \(folds) folds; tune on at most that many"
        case .unknownModel(let name, let known):
            return "--model \(name): the spec has no such model; its models: \(known.joined(separator: ", "))"
        case .spaceTooSmall(let model, let trials, let distinct):
            return "the space gives \(model) \(distinct) distinct settings, fewer than --trials \(trials): widen the space or ask for fewer trials"
        case .noChoice(let model):
            return "no trial of \(model) has a validation score (every one diverged or failed): nothing to choose"
        }
    }
}

/// The options that make a tune (and its hash), as the run log's `tunes.options_json` holds them.
public struct TuneOptions: Codable, Equatable, Sendable {
    public var space: [String]
    public var trials: Int
    public var eta: Int
    public var minEpochs: Int
    public var folds: Int
    public var models: [String]
    public var overrides: [String]
    public var sampler = "random"
    public var scheduler = "successive halving, ASHA's promotion rule with results taken in trial order"
    public var score = TuneRun.scoreText
    public var budget = "epochs: every model the same trials and rungs"
}

/// One model's tune as it ended (or stands).
public struct ModelTune: Sendable {
    public struct Trial: Sendable {
        public var index: Int
        public var assignments: [String]
        public var experimentHash: String
        /// Score (percent) by rung; -infinity: diverged or failed there; nil: not reached or not yet known.
        public var scores: [Double?]
        public var promoted: [Bool]
    }
    public var model: String
    public var rungs: [Int]
    public var trials: [Trial]
    /// Epochs trained so far, over all trials and folds.
    public var epochsTrained: Int
    public var choice: (trial: Int, rung: Int, score: Double)?
    public var finished: Bool
}

public struct TuneOutcome: Sendable {
    public var hash: String
    public var name: String
    public var options: TuneOptions
    public var models: [ModelTune]
    public var summary: RunSummary
}

public enum TuneRun {
    public static let scoreText = "mean validation accuracy over the last 3 epochs up to the rung (fewer when the rung has fewer), "
        + "averaged over the tuning folds of run 0"

    /// The epochs a rung's score averages.
    static func window(_ epochs: Int) -> ClosedRange<Int> { max(1, epochs - 2)...epochs }

    /// Runs (or resumes) the tune to its end, or until stopped.
    public static func run(_ request: TuneRequest, toolVersion: String, worker: URL, progress: ProgressSink?,
                           onCoordinator: (Coordinator) -> Void = { _ in }) throws -> TuneOutcome {
        let base = try SpecLoader.load(path: request.specPath, overrides: request.overrides)
        let dimensions = try request.space.map(TuneDimension.init(parsing:))
        guard base.spec.protocol.validation != nil else { throw TuneError.noValidation(spec: request.specPath) }
        guard request.folds <= base.spec.protocol.folds else {
            throw TuneError.tooManyFolds(asked: request.folds, spec: request.specPath, folds: base.spec.protocol.folds)
        }
        for name in request.models where !base.spec.models.contains(where: { $0.name == name }) {
            throw TuneError.unknownModel(name, known: base.spec.models.map(\.name))
        }
        if base.spec.dataset.kind != .synthetic, let root = base.spec.dataset.root, !FileManager.default.fileExists(atPath: root) {
            throw RunError.datasetRootMissing(kind: base.spec.dataset.kind.rawValue, path: root)
        }
        let tuned = base.spec.models.enumerated().filter { request.models.isEmpty || request.models.contains($0.element.name) }
        // Every trial's spec is drawn and decoded before anything is written.
        var trialSpecs: [[TuneTrialSpec]] = []
        // A trial whose values equal an earlier trial's is drawn again (up to 100 times), so no two
        // trials of a model train the same settings; a space with fewer settings than trials is an error.
        for (index, model) in tuned {
            var seen: Set<String> = []
            var specs: [TuneTrialSpec] = []
            for t in 0..<request.trials {
                var draw = 0
                var trial = try TuneSpace.trial(path: request.specPath, overrides: request.overrides, dimensions: dimensions,
                                                modelIndex: index, trial: t, folds: request.folds)
                while seen.contains(trial.assignments.joined(separator: "\n")) {
                    draw += 1
                    guard draw <= 100 else { throw TuneError.spaceTooSmall(model: model.name, trials: request.trials, distinct: seen.count) }
                    trial = try TuneSpace.trial(path: request.specPath, overrides: request.overrides, dimensions: dimensions,
                                                modelIndex: index, trial: t, folds: request.folds, draw: draw)
                }
                seen.insert(trial.assignments.joined(separator: "\n"))
                specs.append(trial)
            }
            trialSpecs.append(specs)
        }
        let options = TuneOptions(space: request.space, trials: request.trials, eta: request.eta, minEpochs: request.minEpochs,
                                  folds: request.folds, models: tuned.map(\.element.name), overrides: request.overrides)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let optionsJSON = String(decoding: try encoder.encode(options), as: UTF8.self)
        let hash = SHA256.hex(of: Array((["tune", base.hash, optionsJSON].joined(separator: "\n")).utf8))

        let layout = ResultsLayout(root: URL(fileURLWithPath: request.results).standardizedFileURL.path)
        // A Slurm cluster is asked before anything is written (one that does not answer stops here).
        let executor: Executor
        switch request.executor {
        case .local(let jobs): executor = WorkerPool(executable: worker, capacity: jobs)
        case .slurm(let options): executor = try SlurmExecutor(executable: worker, results: layout.root, experimentHash: hash, options: options)
        }
        try FileManager.default.createDirectory(atPath: layout.root, withIntermediateDirectories: true)
        let lock = try ResultsLock(folder: layout.root)
        defer { withExtendedLifetime(lock) {} }
        nonisolated(unsafe) let sink = progress
        let store = try RunStore(path: layout.database, onBusy: { sink?.runLogBusy($0) })
        defer { try? store.close() }
        let tuneID = try store.registerTune(hash: hash, name: base.spec.name, specPath: request.specPath, optionsJSON: optionsJSON)

        var runRequest = RunRequest(specPath: request.specPath, overrides: request.overrides, results: layout.root,
                                    options: CoordinatorOptions(threadsPerJob: request.threadsPerJob))
        runRequest.executor = request.executor
        var scheduler = TuneScheduler(store: store)
        for ((_, model), specs) in zip(tuned, trialSpecs) {
            let rungs = Rungs(maxEpochs: model.epochs, minEpochs: request.minEpochs, eta: request.eta)
            var trials: [TuneScheduler.Trial] = []
            for (t, trial) in specs.enumerated() {
                let prepared = try ExperimentRun.prepare(trial.loaded, request: runRequest, layout: layout, store: store,
                                                         toolVersion: toolVersion, namePrefix: "")
                let trialID = try store.registerTrial(tuneID: tuneID, modelName: model.name, trial: t, assignments: trial.assignments,
                                                      experimentID: prepared.id)
                trials.append(.init(index: t, id: trialID, experimentID: prepared.id, experimentHash: trial.loaded.hash,
                                    assignments: trial.assignments, jobs: prepared.jobs))
            }
            scheduler.models.append(.init(name: model.name, epochs: model.epochs, rungs: rungs, eta: request.eta, trials: trials))
        }
        progress?.notice("tune \(hash.prefix(12)) of \(base.spec.name): \(tuned.count) model(s) x \(request.trials) trials, "
                         + "rungs at epochs \(scheduler.models.map { $0.rungs.epochs.map(String.init).joined(separator: "/") }.joined(separator: "; ")), "
                         + "eta \(request.eta), scored on validation subjects of folds 0-\(request.folds - 1) of run 0")
        let coordinator = Coordinator(log: store, executor: executor,
                                      options: CoordinatorOptions(threadsPerJob: request.threadsPerJob), progress: progress)
        onCoordinator(coordinator)
        let summary = try coordinator.run([]) { free in try scheduler.next(free: free) }
        try scheduler.refresh()
        let models = scheduler.outcome(epochsTrained: try store.epochsTrained(tuneID: tuneID))
        if models.allSatisfy(\.finished) {
            try store.markChosen(tuneID: tuneID, choices: Dictionary(uniqueKeysWithValues: models.compactMap { m in m.choice.map { (m.model, $0.trial) } }))
        }
        return TuneOutcome(hash: hash, name: base.spec.name, options: options, models: models, summary: summary)
    }

    /// The spec `target` with each tuned model's chosen values, and a `tuning` section that says
    /// how they were chosen. Keys of one model (`model.KEY`, `models[i].KEY`) go to the target's
    /// model of the same name; a key of the whole experiment must have one chosen value.
    public static func chosenSpec(_ outcome: TuneOutcome, tunedSpec: ExperimentSpec, target path: String) throws -> (text: String, spec: LoadedSpec) {
        var tree = try JSONParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        let target = try SpecLoader.load(path: path).spec
        let dimensions = try outcome.options.space.map(TuneDimension.init(parsing:))
        var global: [String: (model: String, value: String)] = [:]
        var notes: [TuningNote] = []
        for model in outcome.models {
            guard let choice = model.choice else { throw TuneError.noChoice(model: model.model) }
            guard let index = target.models.firstIndex(where: { $0.name == model.model }) else {
                throw TuneError.unknownModel(model.model, known: target.models.map(\.name))
            }
            let tunedIndex = tunedSpec.models.firstIndex { $0.name == model.model } ?? index
            let chosen = model.trials[choice.trial].assignments
            try TuneSpace.apply(chosen, dimensions: dimensions, tunedModel: tunedIndex, targetModel: index, to: &tree, global: &global,
                                model: model.model)
            notes.append(TuningNote(model: model.model, tune: String(outcome.hash.prefix(12)), tunedSpec: outcome.name,
                                    trials: model.trials.count, epochs: model.epochsTrained, rungs: model.rungs, space: outcome.options.space,
                                    chosen: chosen, score: (choice.score * 100).rounded() / 100, scoredOn: scoreText))
        }
        guard case .object(var fields) = tree else { throw SpecError.file(path: path, reason: "expected a JSON object") }
        fields["name"] = .string(String((target.name + "-tuned").prefix(100)))
        fields["description"] = .string("\(target.name) with each model's settings chosen by exp tune \(outcome.hash.prefix(12)) of "
            + "\(outcome.name) on validation subjects only, never on a test fold (the tuning section says how): "
            + notes.map { "\($0.model): \($0.chosen.joined(separator: ", "))" }.joined(separator: "; ")
            + ". Everything else as in \((path as NSString).lastPathComponent)"
            + (target.description.map { ": \($0)" } ?? "."))
        let encoded = try JSONEncoder().encode(notes)
        fields["tuning"] = try JSONParser.parse([UInt8](encoded))
        let text = JSONValue.object(fields).prettyText
        return (text, try SpecLoader.load(text: text))
    }
}

/// The tune's state between the coordinator's questions: each trial's jobs, and the scores and
/// promotions the run log's metrics give.
struct TuneScheduler {
    struct Trial {
        var index: Int
        var id: Int64
        var experimentID: Int64
        var experimentHash: String
        var assignments: [String]
        /// One job per tuning fold, as `exp run` would start it.
        var jobs: [PlannedJob]
        var scores: [Double?] = []
        /// Per job: its status and the last epoch with a validation accuracy.
        var status: [Int64: (status: String, lastEpoch: Int)] = [:]
    }
    struct Model {
        var name: String
        var epochs: Int
        var rungs: Rungs
        var eta: Int
        var trials: [Trial]
        var state = HalvingState(target: [], promoted: [], finished: false)
        var recorded: Set<String> = []
    }

    let store: RunStore
    var models: [Model] = []

    init(store: RunStore) { self.store = store }

    /// Reads every trial's validation curves, scores each rung, decides and records promotions.
    mutating func refresh() throws {
        for m in models.indices {
            var rows: [(trialID: Int64, rung: TuneRungRecord)] = []
            for t in models[m].trials.indices {
                let curves = try store.validationCurves(experimentID: models[m].trials[t].experimentID)
                var scores: [Double?] = []
                for epochs in models[m].rungs.epochs {
                    var sum = 0.0
                    var known = true
                    for job in curves {
                        let window = TuneRun.window(epochs).map { job.accuracy[$0] }
                        if window.allSatisfy({ $0 != nil }) {
                            let values = window.map { $0! }
                            sum += values.contains { !$0.isFinite } ? -.infinity : values.reduce(0, +) / Double(values.count)
                        } else if job.status == JobStatus.diverged.rawValue || job.status == JobStatus.failed.rawValue {
                            sum = -.infinity
                        } else {
                            known = false
                        }
                    }
                    scores.append(known && !curves.isEmpty ? (sum == -.infinity ? -.infinity : 100 * sum / Double(curves.count)) : nil)
                }
                models[m].trials[t].scores = scores
                models[m].trials[t].status = Dictionary(uniqueKeysWithValues: curves.map { ($0.jobID, ($0.status, $0.accuracy.keys.max() ?? 0)) })
            }
            let model = models[m]
            let state = SuccessiveHalving.decide(scores: model.trials.map(\.scores), rungs: model.rungs.epochs.count, eta: model.eta)
            models[m].state = state
            for trial in model.trials {
                for (k, score) in trial.scores.enumerated() {
                    guard let score else { continue }
                    let promoted = state.promoted.contains(TrialRung(trial.index, k))
                    let key = "\(trial.id)/\(k)/\(promoted)"
                    guard models[m].recorded.insert(key).inserted else { continue }
                    rows.append((trial.id, TuneRungRecord(rung: k, epochs: model.rungs.epochs[k], score: score.isFinite ? score : nil,
                                                          promoted: promoted)))
                }
            }
            try store.recordRungs(rows)
        }
    }

    /// Up to `free` jobs to start now: promoted trials first (the highest rung first), then the
    /// next trials, in trial order.
    mutating func next(free: Int) throws -> [PlannedJob] {
        guard free > 0 else { return [] }
        try refresh()
        var candidates: [(rung: Int, trial: Int, model: Int, job: PlannedJob)] = []
        for (m, model) in models.enumerated() {
            for trial in model.trials {
                let k = model.state.target[trial.index]
                guard trial.scores[k] == nil else { continue }
                let until = model.rungs.epochs[k]
                for job in trial.jobs {
                    let (status, last) = trial.status[job.id] ?? ("pending", 0)
                    guard status != JobStatus.running.rawValue, status != JobStatus.diverged.rawValue,
                          status != JobStatus.failed.rawValue, last < until else { continue }
                    var handed = job
                    if until < model.epochs { handed.arguments += ["--pause-after-epoch", String(until)] }
                    let fold = job.name.split(separator: " ").last.map(String.init) ?? "?"
                    handed.name = "\(model.name) trial \(trial.index) fold \(fold) (rung \(k): to epoch \(until))"
                    candidates.append((k, trial.index, m, handed))
                }
            }
        }
        candidates.sort { ($1.rung, $0.trial, $0.model) < ($0.rung, $1.trial, $1.model) }
        var handed = Set<Int64>()
        return Array(candidates.map(\.job).filter { handed.insert($0.id).inserted }.prefix(free))
    }

    func outcome(epochsTrained: [String: Int]) -> [ModelTune] {
        models.map { model in
            let trials = model.trials.map { t in
                ModelTune.Trial(index: t.index, assignments: t.assignments, experimentHash: t.experimentHash, scores: t.scores,
                                promoted: (0..<model.rungs.epochs.count).map { model.state.promoted.contains(TrialRung(t.index, $0)) })
            }
            return ModelTune(model: model.name, rungs: model.rungs.epochs, trials: trials, epochsTrained: epochsTrained[model.name] ?? 0,
                             choice: model.state.finished ? SuccessiveHalving.best(scores: model.trials.map(\.scores)) : nil,
                             finished: model.state.finished)
        }
    }
}
