// `exp verify`: retrains jobs of an experiment from scratch in a temporary results folder, through
// the same run machinery as `exp run`, and compares every metric, prediction and file with the run
// log, bit for bit. A reviewer runs it on a published results folder; the digest it prints names a
// job's outputs in 64 hex digits, so two machines can compare them without the files.

import Foundation
import Hashing
import RunLog
import Spec
import Vocabulary

/// Which jobs of which experiment to verify, and how.
public struct VerifyRequest: Sendable {
    public var results: String
    /// Experiment name or spec-hash prefix.
    public var experiment: String
    /// `--only`: a nil model means every model; a nil run or fold means 0.
    public var onlyModel: String?
    public var onlyRun: Int?
    public var onlyFold: Int?
    /// Worker processes at once.
    public var jobs: Int
    /// Where the jobs are trained again (a new temporary folder when nil, removed afterwards).
    public var scratch: String?

    public init(results: String, experiment: String, jobs: Int = 1) {
        self.results = results
        self.experiment = experiment
        self.jobs = jobs
    }
}

/// The outputs of one job, as compared and digested: metrics (every key, epoch and step, the value's
/// bits), test predictions, and the SHA-256 of each file the job wrote, by kind and epoch.
public struct JobOutputs: Equatable, Sendable {
    public var lines: [String]

    /// SHA-256 (hex) of the lines, one per line with "\n".
    public var digest: String { SHA256.hex(of: Array(lines.map { $0 + "\n" }.joined().utf8)) }

    /// Reads a job's outputs from a run log whose results folder is `root`.
    static func read(_ store: RunStore, jobID: Int64, root: String) throws -> JobOutputs {
        var lines: [String] = []
        for m in try store.metrics(jobID: jobID) {
            lines.append("metric \(m.key) epoch \(m.epoch) step \(m.step) \(Self.number(m.value))")
        }
        for p in try store.predictionRows(jobID: jobID) {
            lines.append("prediction \(p.epoch) \(p.sampleIndex) \(p.sampleID) \(p.subject) \(p.trueLabel) \(p.predictedLabel) \(p.probabilities)")
        }
        // Files by kind and epoch (their names hold job ids, which differ between logs).
        var files: [String] = []
        for a in try store.artifacts(jobID: jobID) {
            let path = ResultsLayout(root: root).absolute(a.path)
            let bytes = FileManager.default.contents(atPath: path).map { SHA256.hex(of: [UInt8]($0)) } ?? "missing"
            let epoch = a.kind == ArtifactKind.checkpoint.rawValue ? "last" : a.epoch.map(String.init) ?? "-"
            files.append("file \(a.kind) epoch \(epoch) sha256 \(bytes)")
        }
        lines += Set(files).sorted()
        return JobOutputs(lines: lines)
    }

    /// A double's shortest exact text and its bits, so that equal text means equal bits.
    static func number(_ v: Double) -> String {
        String(format: "%.17g", v) + " (0x" + String(v.bitPattern, radix: 16) + ")"
    }
}

/// What `exp verify` found.
public struct VerifyOutcome: Sendable {
    public struct Job: Sendable {
        public var name: String
        /// The digest of the job's outputs in the run log.
        public var digest: String
        /// The first line where the retrained job differs (log, then retrained), nil when identical.
        public var difference: (logged: String, retrained: String)?
        /// Where each side computed: the log's last attempt and the retrained one.
        public var loggedMachine: String
        public var retrainedMachine: String
    }
    public var experiment: ExperimentRecord
    public var jobs: [Job]
    /// SHA-256 over "<job name> <digest>" lines of the verified jobs, in plan order.
    public var digest: String { SHA256.hex(of: Array(jobs.map { "\($0.name) \($0.digest)\n" }.joined().utf8)) }
    public var identical: Bool { jobs.allSatisfy { $0.difference == nil } }
}

public enum VerifyError: Error, CustomStringConvertible {
    case notCompleted(String)
    case identity(experiment: String, detail: String)
    case retrainFailed(String)

    public var description: String {
        switch self {
        case .notCompleted(let jobs):
            return "verify compares completed jobs only; not completed in the run log: \(jobs) (choose others with --only model=M,run=R,fold=F)"
        case .identity(let experiment, let detail):
            return "experiment \(experiment) cannot be verified by this build: \(detail)"
        case .retrainFailed(let text):
            return "retraining failed: \(text)"
        }
    }
}

public enum Verification {
    /// Retrains the chosen jobs in a temporary folder and compares them with the log.
    public static func run(_ request: VerifyRequest, toolVersion: String, worker: URL, progress: ProgressSink?) throws -> VerifyOutcome {
        let layout = ResultsLayout(root: URL(fileURLWithPath: request.results).standardizedFileURL.path)
        let store = try RunStore(path: layout.database, readOnly: true)
        defer { try? store.close() }
        let experiment = try store.experiment(matching: request.experiment)
        // The spec as the log holds it must give this build the same identity.
        let loaded: LoadedSpec
        do {
            loaded = try SpecLoader.load(text: experiment.specJSON)
        } catch {
            throw VerifyError.identity(experiment: experiment.name, detail: "its spec does not load (\(error))")
        }
        guard loaded.hash == experiment.specHash else {
            throw VerifyError.identity(
                experiment: experiment.name,
                detail: "its spec has the identity \(loaded.hash.prefix(12)) here, \(experiment.specHash.prefix(12)) in the log "
                    + "(it was registered by a build that resolved or hashed specs otherwise: verify it with that build)")
        }
        // A run or fold left out is 0: one (run, fold) per model unless asked for more.
        let (runFilter, foldFilter) = (request.onlyRun ?? 0, request.onlyFold ?? 0)
        let chosen = try store.jobs(experimentID: experiment.id).filter { j in
            (request.onlyModel.map { $0 == j.modelName } ?? true) && j.run == runFilter && j.fold == foldFilter
        }
        if chosen.isEmpty {
            let filter = (request.onlyModel.map { ["model=\($0)"] } ?? []) + ["run=\(runFilter)", "fold=\(foldFilter)"]
            throw RunError.noJobsMatch(filter.joined(separator: ","))
        }
        let unfinished = chosen.filter { $0.status != .completed }
        if !unfinished.isEmpty {
            throw VerifyError.notCompleted(unfinished.map { "\($0.modelName) run \($0.run) fold \($0.fold) (\($0.status.rawValue))" }
                .joined(separator: ", "))
        }

        // The retraining: the same spec, the same threads per job, a fresh folder, nothing reused.
        let scratch = request.scratch ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("exp-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { if request.scratch == nil { try? FileManager.default.removeItem(atPath: scratch) } }
        let specPath = (scratch as NSString).appendingPathComponent("spec.json")
        try Data(loaded.canonicalJSON.utf8).write(to: URL(fileURLWithPath: specPath))
        let fresh = (scratch as NSString).appendingPathComponent("results")
        var jobs: [VerifyOutcome.Job] = []
        var retrained: [String: (JobOutputs, String)] = [:]
        var run = RunRequest(specPath: specPath, results: fresh, options: CoordinatorOptions(threadsPerJob: experiment.provenance.blasThreads))
        run.executor = .local(jobs: request.jobs)
        run.noReuse = true
        run.onlyModel = request.onlyModel
        run.onlyRun = runFilter
        run.onlyFold = foldFilter
        _ = try ExperimentRun.run(run, toolVersion: toolVersion, worker: worker, progress: progress)
        let freshStore = try RunStore(path: ResultsLayout(root: fresh).database, readOnly: true)
        defer { try? freshStore.close() }
        let freshJobs = try freshStore.jobs(experimentID: try freshStore.experiment(matching: loaded.hash).id)
        let failures = freshJobs.filter { f in chosen.contains { $0.modelName == f.modelName && $0.run == f.run && $0.fold == f.fold } }
            .filter { $0.status != .completed }
        if !failures.isEmpty {
            throw VerifyError.retrainFailed(failures.map { "\($0.modelName) run \($0.run) fold \($0.fold): \($0.error ?? $0.status.rawValue)" }
                .joined(separator: "; "))
        }
        for f in freshJobs where f.status == .completed {
            let machine = try freshStore.attempts(jobID: f.id).last.map(\.machine.summary) ?? "unknown"
            retrained["\(f.modelName)/\(f.run)/\(f.fold)"] = (try JobOutputs.read(freshStore, jobID: f.id, root: fresh), machine)
        }
        for record in chosen {
            let logged = try JobOutputs.read(store, jobID: record.id, root: layout.root)
            let loggedMachine = try store.attempts(jobID: record.id).last.map(\.machine.summary)
                ?? experiment.provenance.machine ?? experiment.provenance.cpu + ", " + experiment.provenance.blasConfig
            let again = retrained["\(record.modelName)/\(record.run)/\(record.fold)"]
            let difference = again.flatMap { firstDifference(logged.lines, $0.0.lines) } ?? (again == nil ? ("(logged)", "(not retrained)") : nil)
            jobs.append(VerifyOutcome.Job(
                name: "\(record.modelName) run \(record.run) fold \(record.fold)", digest: logged.digest, difference: difference,
                loggedMachine: loggedMachine, retrainedMachine: again?.1 ?? "unknown"))
        }
        return VerifyOutcome(experiment: experiment, jobs: jobs)
    }

    /// The first line where two outputs differ (a line missing on one side is "(none)").
    static func firstDifference(_ a: [String], _ b: [String]) -> (String, String)? {
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : "(none)", y = i < b.count ? b[i] : "(none)"
            if x != y { return (x, y) }
        }
        return nil
    }
}
