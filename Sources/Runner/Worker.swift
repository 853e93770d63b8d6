// One job, run in its own `exp worker` process. The worker is given its job by value (model, run,
// fold, seed) and reads only the spec saved in the results folder, checking that the spec plans
// that job; it never opens the run log. It rebuilds the job's data from the spec, trains the
// model epoch by epoch (a checkpoint after every epoch, written atomically), reports each epoch's
// metrics, and at the end the test fold's predictions from the final epoch (never an epoch chosen
// on the test fold). A worker that finds its job's checkpoint resumes after its epoch; the data
// order, augmentation and character pairs of epoch e derive from the job seed and e alone, so a
// resumed job ends bit-identical to one that never stopped. The checkpoint also keeps every
// finished epoch's metrics, which a resumed worker sends again, so none is lost with a coordinator
// killed between a checkpoint and storing its epoch. Checkpoints also carry what
// `exp predict` needs (`PredictionSetup`: classes, preprocessing, characters).

import CProcessControl
import FaceData
import Foundation
import Models
import NN
import RunLog
import Spec
import Vocabulary

/// What one worker is given: its job by value (the model, run, fold and seed that `plan(spec)`
/// gave it), the results folder and the experiment's hash, whose spec file the worker reads, and
/// the file of its checkpoint. The job id (the run log's) names the job in messages files: a worker
/// never opens the run log, so it can run where the log is not. `messages` is the file its messages
/// go to (under Slurm) instead of stdout (a local worker, whose life is tied to its coordinator's).
public struct WorkerRequest: Sendable, Equatable {
    public var results: String
    public var experimentHash: String
    public var jobID: Int64
    public var modelName: String
    public var run: Int
    public var fold: Int
    public var seed: UInt64
    public var threads: Int
    public var messages: String?
    /// The job's checkpoint file, relative to the results folder, as the coordinator names it
    /// (`checkpoints/<hash>/<model>-run<R>-fold<F>.ckpt`, `ResultsLayout`); nil: that same file.
    public var checkpoint: String?
    /// For an experiment in `native` numerics, the OpenBLAS kernel its first job computed with:
    /// a worker whose kernel differs refuses the job (nil: none known yet, or `portable`).
    public var blasCore: String?
    /// The worker stops after this epoch as if asked to (`interrupted`, its checkpoint kept),
    /// unless it is the last: a trial of `exp tune` trains up to its rung.
    public var pauseAfterEpoch: Int?
    public init(results: String, experimentHash: String, jobID: Int64, modelName: String, run: Int, fold: Int, seed: UInt64,
                threads: Int, messages: String? = nil, checkpoint: String? = nil, blasCore: String? = nil, pauseAfterEpoch: Int? = nil) {
        self.pauseAfterEpoch = pauseAfterEpoch
        self.checkpoint = checkpoint
        self.blasCore = blasCore
        self.results = results
        self.experimentHash = experimentHash
        self.jobID = jobID
        self.modelName = modelName
        self.run = run
        self.fold = fold
        self.seed = seed
        self.threads = threads
        self.messages = messages
    }

    /// The arguments of the `exp worker` process that runs this request (after the executable).
    public var arguments: [String] {
        var out = ["worker", "--results", results, "--experiment", experimentHash, "--job", String(jobID),
                   "--model", modelName, "--run", String(run), "--fold", String(fold), "--seed", String(seed),
                   "--threads", String(threads)]
        if let messages { out += ["--messages", messages] }
        if let checkpoint { out += ["--checkpoint", checkpoint] }
        if let blasCore { out += ["--blas-core", blasCore] }
        if let pauseAfterEpoch { out += ["--pause-after-epoch", String(pauseAfterEpoch)] }
        return out
    }
}

public enum JobWorker {
    /// Runs the job, sending every message to `send`. `shouldStop` is polled after each epoch's
    /// checkpoint. Returns the last message (completed, diverged or interrupted); throws on errors,
    /// `RunError.coordinatorGone` at once when the process that started it has already exited.
    public static func run(_ request: WorkerRequest, send: (WorkerMessage) -> Void, shouldStop: () -> Bool) throws -> WorkerMessage {
        try tieToCoordinator(request)
        let layout = ResultsLayout(root: request.results)
        let specFile = layout.specFile(request.experimentHash)
        let spec = try SpecLoader.load(path: specFile).spec
        let (job, model) = try plannedJob(request, spec: spec, specFile: specFile)
        let machine = try numerics(request, spec: spec)
        BLAS.threadCount = request.threads
        // What decides the bits beyond the spec: the numerics, and the BLAS threads per job.
        let signature = "\(machine.signature), \(request.threads) BLAS thread(s)"

        let seed = SeededGenerator(seed: job.seed)
        var inputs = try JobInputs(spec: spec, job: job, model: model, faces: layout.faces, seed: seed)
        let trainer = try ModelTrainer(spec: spec, model: model, seed: seed.child("model"))
        let files = JobFiles(layout: layout, hash: request.experimentHash,
                             name: JobFileName(modelName: job.modelName, run: job.run, fold: job.fold), checkpoint: request.checkpoint)
        // The checkpoint says whose it is (a request naming another job's file is refused), which
        // subjects its model learnt from (`exp predict` warns about inputs of those), and the
        // numerics it was computed under (a resume under others is refused).
        let identity = "\(job.modelName), run \(job.run), fold \(job.fold), seed \(job.seed)"
        let subjectsJSON = String(decoding: try JSONEncoder().encode(inputs.trainingSubjects), as: UTF8.self)
        let metadata = PredictionSetup(spec: spec, model: model).metadata
            .merging(["job": identity, Predictor.trainingSubjectsKey: subjectsJSON, numericsKey: signature]) { a, _ in a }

        layout.removeUnfinishedFiles(request.experimentHash, of: files.name, checkpoint: files.checkpoint)
        var history = try resume(trainer, from: files.checkpoint, identity: identity, signature: signature, request: request)
        send(.started(resumedFromEpoch: trainer.completedEpochs, epochs: model.epochs))
        send(.machine(machine))
        announceCheckpointed(trainer.completedEpochs, history: history, files: files, send: send)

        var epoch = trainer.completedEpochs
        while epoch < model.epochs {
            epoch += 1
            var pairStream = seed.child("characters", epoch)
            // Batches of one image cannot be batch-normalised: a last batch of one is dropped.
            let plan = inputs.train.plan(epoch: epoch).filter { $0.count >= 2 }
            var train = inputs.train
            let batches = LazyBatches(plan) { try train.load($0) }
            let metrics: [String: Double]
            do {
                metrics = try trainer.trainEpoch(batches, training: inputs.calibration, test: inputs.test, validation: inputs.validation,
                                                 pairs: &pairStream)
                if let error = batches.error { throw error }
            } catch {
                if let loadError = batches.error {
                    throw RunError.trainingDataUnreadable(epoch: epoch, detail: String(describing: loadError))
                }
                guard case let TrainingError.diverged(e, step, term, value) = error else { throw error }
                let message = WorkerMessage.diverged(epoch: e, step: step, detail: "loss '\(term)' is \(value)")
                send(message)
                return message
            }
            inputs.train = train
            history.epochs.append(metrics)
            // The epoch's sample grid is on disk, whole (written atomically), before the checkpoint
            // that a resume starts after: a worker killed between the two draws it again. A full
            // disk pauses the job here (`DiskSpace`) until the files can be written; stopped while
            // waiting, it ends after the epoch before, whose checkpoint is whole.
            var grid: String?
            do {
                let onFull = { (text: String) in send(.diskFull(message: text)) }
                if let shown = inputs.test ?? inputs.validation,
                   let image = try trainer.sampleGrid(shown, every: model.hagan?.sampleEvery ?? 0, epoch: epoch, last: model.epochs) {
                    let path = files.sampleGrid(epoch: epoch)
                    try DiskSpace.retrying(path, needed: 1 << 20, shouldStop: shouldStop, onFull: onFull) {
                        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                                withIntermediateDirectories: true)
                        try image.writePNG(to: path)
                    }
                    grid = path
                }
                let checkpoint = trainer.checkpoint(extra: metadata.merging([MetricsHistory.key: history.metadata]) { a, _ in a })
                try DiskSpace.retrying(files.checkpoint, needed: files.checkpointSize + (1 << 20), shouldStop: shouldStop, onFull: onFull) {
                    try checkpoint.write(to: files.checkpoint)
                }
            } catch is DiskSpace.Full {
                let message = WorkerMessage.interrupted(epoch: epoch - 1)
                send(message)
                return message
            }
            send(.epoch(epoch: epoch, metrics: metrics))
            if epoch == 1 || epoch == model.epochs {
                send(.artifact(kind: .checkpoint, path: layout.relative(files.checkpoint), epoch: epoch))
            }
            if let grid { send(.artifact(kind: .samples, path: layout.relative(grid), epoch: epoch)) }
            // A trial of `exp tune` pauses at its rung: its checkpoint stays for a promotion.
            if (shouldStop() || request.pauseAfterEpoch == epoch) && epoch < model.epochs {
                let message = WorkerMessage.interrupted(epoch: epoch)
                send(message)
                return message
            }
        }

        // Section 4: the final model's prediction for every test image, with its probabilities
        // (none for a job that never sees its test fold).
        if let test = inputs.test { send(.predictions(inputs.predictions(trainer.predict(test.images)))) }
        send(.completed)
        return .completed
    }

    /// A local worker dies with its coordinator (kill -9 included): no orphan goes on writing the
    /// checkpoint that the next `exp run` resumes from; if the coordinator is already gone, it stops.
    /// A worker writing to a messages file (a Slurm task) has no coordinator for a parent and
    /// outlives any: the next `exp run` reads its file.
    static func tieToCoordinator(_ request: WorkerRequest) throws {
        guard request.messages == nil else { return }
        let parent = getppid()
        if exp_die_with_parent() == 0 && getppid() != parent { throw RunError.coordinatorGone }
    }

    /// This machine's numerics for the job: the bits of a job depend on them, so a machine that
    /// would compute other bits than its experiment's refuses the job before it trains (also on a
    /// Slurm node).
    static func numerics(_ request: WorkerRequest, spec: ExperimentSpec) throws -> MachineNumerics {
        var machine = Numerics.current
        machine.mode = spec.numerics.mode
        if let refusal = Numerics.refusal(mode: spec.numerics.mode, nativeCore: request.blasCore, machine: machine) {
            throw RunError.numerics(job: jobDescription(request), reason: refusal)
        }
        return machine
    }

    /// Restores the job's checkpoint when there is one, and returns the metrics of its epochs. A
    /// checkpoint of another job, or computed under other numerics, is refused.
    static func resume(_ trainer: ModelTrainer, from path: String, identity: String, signature: String,
                       request: WorkerRequest) throws -> MetricsHistory {
        guard FileManager.default.fileExists(atPath: path) else { return MetricsHistory() }
        let checkpoint = try Checkpoint.read(from: path)
        if let owner = checkpoint.metadata["extra.job"], owner != identity {
            throw RunError.jobNotInPlan(job: jobDescription(request), reason: "its checkpoint \(path) belongs to \(owner); check the --job id")
        }
        let saved = checkpoint.metadata["extra.\(numericsKey)"] ?? "an engine before numerics versions"
        if saved != signature {
            throw RunError.numerics(job: jobDescription(request), reason: "its checkpoint \(path) was computed under \(saved), "
                + "this worker computes under \(signature); finish the job with the build and machine that began it, "
                + "or delete the checkpoint to train the job anew")
        }
        let extra = try trainer.restore(checkpoint)
        return MetricsHistory(metadata: extra[MetricsHistory.key], epochs: trainer.completedEpochs)
    }

    /// What a resumed job has done already, sent again: the metrics of its checkpointed epochs and
    /// the files written so far. A coordinator killed or stalled after a checkpoint but before it
    /// stored those lines would lose them otherwise; the log keeps one row per job, key and epoch
    /// (and per file), so sending them twice changes nothing.
    static func announceCheckpointed(_ epochs: Int, history: MetricsHistory, files: JobFiles, send: (WorkerMessage) -> Void) {
        for (i, metrics) in history.epochs.enumerated() { send(.epoch(epoch: i + 1, metrics: metrics)) }
        guard epochs > 0 else { return }
        send(.artifact(kind: .checkpoint, path: files.layout.relative(files.checkpoint), epoch: epochs))
        for (epoch, path) in files.sampleGrids() where epoch <= epochs {
            send(.artifact(kind: .samples, path: files.layout.relative(path), epoch: epoch))
        }
    }

    /// The checkpoint metadata entry (under "extra.") holding the numerics signature it was computed under.
    static let numericsKey = "numerics"

    /// The job of `plan(spec)` with the request's model, run and fold, whose seed must be the
    /// request's: a worker runs only a job its experiment plans.
    static func plannedJob(_ request: WorkerRequest, spec: ExperimentSpec, specFile: String) throws -> (JobKey, ModelSpec) {
        let planned = plan(spec)
        let fail = { (reason: String) in RunError.jobNotInPlan(job: jobDescription(request), reason: "\(reason) (spec \(specFile))") }
        guard let model = spec.models.first(where: { $0.name == request.modelName }) else {
            throw fail("the experiment has no model named '\(request.modelName)'; its models: "
                       + spec.models.map { "'\($0.name)'" }.joined(separator: ", "))
        }
        guard let job = planned.first(where: { $0.modelName == request.modelName && $0.run == request.run && $0.fold == request.fold })
        else {
            throw fail("the experiment plans runs 0..\(spec.protocol.runs - 1) and folds 0..\(spec.protocol.folds - 1)")
        }
        guard job.seed == request.seed else { throw fail("the experiment's seed for that job is \(job.seed)") }
        return (job, model)
    }

    static func jobDescription(_ r: WorkerRequest) -> String {
        "model '\(r.modelName)' run \(r.run) fold \(r.fold) seed \(r.seed) (job \(r.jobID) of experiment \(r.experimentHash.prefix(12)))"
    }
}

/// Every finished epoch's metrics, kept in the checkpoint (metadata key "metrics", one worker
/// protocol line per epoch, so NaN survives) and sent again when a job resumes.
struct MetricsHistory {
    static let key = "metrics"
    var epochs: [[String: Double]] = []

    init() {}

    /// The history stored in a checkpoint of `epochs` epochs. A checkpoint without one (written
    /// before the history was kept) or with another count gives an empty history: nothing is
    /// re-sent, as before.
    init(metadata: String?, epochs count: Int) {
        let parsed = (metadata ?? "").split(separator: "\n").compactMap { line -> [String: Double]? in
            if case .epoch(_, let metrics)? = WorkerMessage.parse(line) { return metrics }
            return nil
        }
        epochs = parsed.count == count ? parsed : []
    }

    var metadata: String {
        epochs.enumerated().map { WorkerMessage.epoch(epoch: $0.offset + 1, metrics: $0.element).line() }.joined()
    }
}

/// Items loaded one at a time as the trainer asks for them (an epoch of 110 variants per image
/// never sits in memory at once). A load that fails ends the sequence early and keeps its error,
/// which the worker raises before it checkpoints the epoch, so the last good checkpoint stays.
public final class LazyBatches<Element>: Sequence {
    private let count: Int
    private let load: (Int) throws -> Element
    /// The error of the load that ended the sequence, if one failed.
    public private(set) var error: Error?

    public init<Item>(_ items: [Item], load: @escaping (Item) throws -> Element) {
        count = items.count
        self.load = { try load(items[$0]) }
    }

    public func makeIterator() -> AnyIterator<Element> {
        var i = 0
        return AnyIterator { [self] in
            guard error == nil, i < count else { return nil }
            defer { i += 1 }
            do {
                return try load(i)
            } catch {
                self.error = error
                return nil
            }
        }
    }
}

/// A job's files in the results folder: its checkpoint (the coordinator's choice, or the one named
/// for the job) and its sample grids.
struct JobFiles {
    let layout: ResultsLayout
    let hash: String
    let name: JobFileName
    let checkpoint: String

    init(layout: ResultsLayout, hash: String, name: JobFileName, checkpoint: String?) {
        self.layout = layout
        self.hash = hash
        self.name = name
        self.checkpoint = checkpoint.map(layout.absolute) ?? layout.checkpoint(hash, job: name)
    }

    func sampleGrid(epoch: Int) -> String { layout.sampleGrid(hash, job: name, epoch: epoch) }

    /// Bytes of the checkpoint on disk (0 before the first): about what its next version needs.
    var checkpointSize: Int { ((try? FileManager.default.attributesOfItem(atPath: checkpoint)[.size]) as? Int) ?? 0 }

    /// The sample grids on disk, by epoch.
    func sampleGrids() -> [(epoch: Int, path: String)] {
        let folder = layout.samples(hash, job: name)
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted().compactMap { name in
            ResultsLayout.sampleGridEpoch(fileName: name).map { ($0, (folder as NSString).appendingPathComponent(name)) }
        }
    }
}
