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

/// What one worker is given: its job by value (the model, run, fold and seed that `plan(spec)`
/// gave it), the results folder and the experiment's hash, whose spec file the worker reads, and
/// the file of its checkpoint. The job id (the run log's) names the job's sample files (and its
/// checkpoint when no file is given, as earlier builds named it): a worker never opens
/// the run log, so it can run where the log is not. `messages` is the file its messages go to
/// (under Slurm) instead of stdout (a local worker, whose life is tied to its coordinator's).
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
    /// The job's checkpoint file, relative to the results folder (the coordinator's choice: the
    /// file the run log records for the job, else `<model>-run<R>-fold<F>.ckpt`); nil: the
    /// `job-<id>.ckpt` of earlier builds.
    public var checkpoint: String?
    /// For an experiment in `native` numerics, the OpenBLAS kernel its first job computed with:
    /// a worker whose kernel differs refuses the job (nil: none known yet, or `portable`).
    public var blasCore: String?
    public init(results: String, experimentHash: String, jobID: Int64, modelName: String, run: Int, fold: Int, seed: UInt64,
                threads: Int, messages: String? = nil, checkpoint: String? = nil, blasCore: String? = nil) {
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
        ["worker", "--results", results, "--experiment", experimentHash, "--job", String(jobID),
         "--model", modelName, "--run", String(run), "--fold", String(fold), "--seed", String(seed),
         "--threads", String(threads)] + (messages.map { ["--messages", $0] } ?? []) + (checkpoint.map { ["--checkpoint", $0] } ?? [])
            + (blasCore.map { ["--blas-core", $0] } ?? [])
    }
}

public enum JobWorker {
    /// Runs the job, sending every message to `send`. `shouldStop` is polled after each epoch's
    /// checkpoint. Returns the last message (completed, diverged or interrupted); throws on errors,
    /// `RunError.coordinatorGone` at once when the process that started it has already exited.
    public static func run(_ request: WorkerRequest, send: (WorkerMessage) -> Void, shouldStop: () -> Bool) throws -> WorkerMessage {
        // A local worker dies with its coordinator (kill -9 included): no orphan goes on writing
        // the checkpoint that the next `exp run` resumes from. If the coordinator is already gone,
        // stop. A worker writing to a messages file (a Slurm task) has no coordinator for a parent
        // and outlives any: the next `exp run` reads its file.
        if request.messages == nil {
            let parent = getppid()
            if exp_die_with_parent() == 0 && getppid() != parent { throw RunError.coordinatorGone }
        }
        let layout = ResultsLayout(root: request.results)
        let specFile = layout.specFile(request.experimentHash)
        let spec = try SpecLoader.load(path: specFile).spec
        let (job, model) = try plannedJob(request, spec: spec, specFile: specFile)
        // The bits of a job depend on the numerics; a machine that would compute other bits than
        // its experiment's refuses the job before it trains (also on a Slurm node).
        var machine = Numerics.current
        machine.mode = spec.numerics.mode
        if let refusal = Numerics.refusal(mode: spec.numerics.mode, nativeCore: request.blasCore, machine: machine) {
            throw RunError.numerics(job: jobDescription(request), reason: refusal)
        }
        BLAS.threadCount = request.threads

        // Data: the run's fold split (validation subjects held out of training when the spec asks),
        // training batches, and the centre crops of the test fold, the validation subjects and,
        // for recalibrated evaluation networks, the training images.
        let dataset = try JobData.dataset(spec, cache: layout.faces)
        let split = try JobData.folds(dataset, spec, run: job.run).split(dataset, fold: job.fold)
        let (trainIndices, validationIndices) = JobData.validationSplit(split.train, dataset: dataset, spec, run: job.run, fold: job.fold)
        let preprocessor = JobData.preprocessor(spec)
        let augmenter = JobData.augmenter(spec)
        let seed = SeededGenerator(seed: job.seed)
        var train = BatchIterator(dataset: dataset, indices: trainIndices, preprocessor: preprocessor, augmenter: augmenter,
                                  batchSize: model.batchSize, seed: seed.child("batches").seed, training: true)
        func centreCrops(_ indices: [Int]) throws -> (images: LabeledImages, items: [BatchItem]) {
            var iterator = BatchIterator(dataset: dataset, indices: indices, preprocessor: preprocessor, augmenter: augmenter,
                                         batchSize: 256, seed: 0, training: false)
            let batches = try iterator.plan(epoch: 0).map { try iterator.load($0) }
            return (LabeledImages(images: concatBatch(batches.map(\.images)), labels: batches.flatMap(\.labels)), batches.flatMap(\.items))
        }
        let (test, testItems) = try centreCrops(split.test)
        let validation = validationIndices.isEmpty ? nil : try centreCrops(validationIndices).images
        let calibration = model.training.evaluation == .last ? nil : try centreCrops(trainIndices).images.images

        let trainer = try ModelTrainer(spec: spec, model: model, seed: seed.child("model"))
        let checkpointPath = request.checkpoint.map { ($0 as NSString).isAbsolutePath ? $0 : (layout.root as NSString).appendingPathComponent($0) }
            ?? layout.checkpoint(request.experimentHash, job: request.jobID)
        // The checkpoint says whose it is: a job id that names another job's checkpoint (the id
        // travels on the command line beside the job) is refused, not resumed on this job's data.
        let identity = "\(job.modelName), run \(job.run), fold \(job.fold), seed \(job.seed)"
        // And whose faces it learnt from: `exp predict` reports them and warns about inputs of those subjects.
        let trainingSubjects = Set(trainIndices.map { dataset.samples[$0].subject }).sorted()
        let subjectsJSON = String(decoding: try JSONEncoder().encode(trainingSubjects), as: UTF8.self)
        let predictionSetup = PredictionSetup(spec: spec, model: model).metadata
            .merging(["job": identity, Predictor.trainingSubjectsKey: subjectsJSON, numericsKey: machine.signature]) { a, _ in a }
        var history = MetricsHistory()
        if FileManager.default.fileExists(atPath: checkpointPath) {
            let checkpoint = try Checkpoint.read(from: checkpointPath)
            if let owner = checkpoint.metadata["extra.job"], owner != identity {
                throw RunError.jobNotInPlan(job: jobDescription(request),
                                            reason: "its checkpoint \(checkpointPath) belongs to \(owner); check the --job id")
            }
            // A checkpoint computed under other numerics (another engine version, or in native mode
            // another BLAS kernel) would give a job of mixed bits.
            let saved = checkpoint.metadata["extra.\(numericsKey)"] ?? "an engine before numerics versions"
            if saved != machine.signature {
                throw RunError.numerics(job: jobDescription(request), reason: "its checkpoint \(checkpointPath) was computed under \(saved), "
                    + "this worker computes under \(machine.signature); finish the job with the build and machine that began it, "
                    + "or delete the checkpoint to train the job anew")
            }
            let extra = try trainer.restore(checkpoint)
            history = MetricsHistory(metadata: extra[MetricsHistory.key], epochs: trainer.completedEpochs)
        }
        send(.started(resumedFromEpoch: trainer.completedEpochs, epochs: model.epochs))
        send(.machine(machine))
        // The metrics of the checkpointed epochs again: a coordinator killed after the checkpoint
        // but before it stored the epoch's line would otherwise lose them (the log keeps one row
        // per job, key and epoch, so sending them twice changes nothing).
        for (i, metrics) in history.epochs.enumerated() { send(.epoch(epoch: i + 1, metrics: metrics)) }
        // And the files written so far (the log keeps one row per job, kind and path): a
        // coordinator that stalled or was killed before storing their lines would lose them.
        if trainer.completedEpochs > 0 {
            send(.artifact(kind: "checkpoint", path: layout.relative(checkpointPath), epoch: trainer.completedEpochs))
            let samples = layout.samples(request.experimentHash, job: request.jobID)
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: samples)) ?? []).sorted() {
                guard name.hasPrefix("epoch-"), name.hasSuffix(".png"), let e = Int(name.dropFirst(6).dropLast(4)),
                      e <= trainer.completedEpochs else { continue }
                send(.artifact(kind: "samples", path: layout.relative((samples as NSString).appendingPathComponent(name)), epoch: e))
            }
        }

        var epoch = trainer.completedEpochs
        while epoch < model.epochs {
            epoch += 1
            var pairStream = seed.child("characters", epoch)
            // Batches of one image cannot be batch-normalised: a last batch of one is dropped.
            let plan = train.plan(epoch: epoch).filter { $0.count >= 2 }
            let batches = LazyBatches(plan) { try train.load($0) }
            let metrics: [String: Double]
            do {
                metrics = try trainer.trainEpoch(batches, training: calibration, test: test, validation: validation, pairs: &pairStream)
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
            history.epochs.append(metrics)
            // The epoch's sample grid is on disk, whole (written atomically), before the checkpoint
            // that a resume starts after: a worker killed between the two draws it again.
            var grid: String?
            if let image = try trainer.sampleGrid(test, every: model.hagan?.sampleEvery ?? 0, epoch: epoch, last: model.epochs) {
                let path = (layout.samples(request.experimentHash, job: request.jobID) as NSString)
                    .appendingPathComponent(String(format: "epoch-%04d.png", epoch))
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try image.writePNG(to: path)
                grid = path
            }
            try trainer.checkpoint(extra: predictionSetup.merging([MetricsHistory.key: history.metadata]) { a, _ in a })
                .write(to: checkpointPath)
            send(.epoch(epoch: epoch, metrics: metrics))
            if epoch == 1 || epoch == model.epochs {
                send(.artifact(kind: "checkpoint", path: layout.relative(checkpointPath), epoch: epoch))
            }
            if let grid { send(.artifact(kind: "samples", path: layout.relative(grid), epoch: epoch)) }
            if shouldStop() && epoch < model.epochs {
                let message = WorkerMessage.interrupted(epoch: epoch)
                send(message)
                return message
            }
        }

        // Section 4: the final model's prediction for every test image, with its probabilities.
        let predictions = trainer.predict(test.images)
        send(.predictions(zip(testItems, predictions).enumerated().map { i, pair in
            let sample = dataset.samples[pair.0.sample]
            return RunLog.Prediction(sampleIndex: i, sampleID: sampleID(sample), subject: sample.subject, trueLabel: sample.label,
                              predictedLabel: pair.1.label, probabilities: pair.1.probabilities.map(Double.init))
        }))
        send(.completed)
        return .completed
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

    /// A stable name for a sample: its path, or subject/sequence/frame for generated images.
    static func sampleID(_ s: Sample) -> String {
        if case .file(let path) = s.source { return path }
        return [s.subject, s.sequence, s.frame.map(String.init)].compactMap { $0 }.joined(separator: "/")
    }

    static func concatBatch(_ parts: [Tensor]) -> Tensor {
        guard let first = parts.first else { return Tensor(zeros: [0, 1, 1, 1]) }
        var scalars: [Float] = []
        for p in parts { scalars += p.scalars }
        return Tensor(shape: [parts.reduce(0) { $0 + $1.shape[0] }] + Array(first.shape.dropFirst()), scalars: scalars)
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
