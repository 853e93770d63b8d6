// `exp bench ingest`: what the Slurm executor's message tailing and the run-log writes cost the
// submitting host. N simulated tasks append epoch lines to their messages files (one writer
// thread, each line written and fsynced as `exp worker --messages` does), and the real coordinator
// with the real `SlurmExecutor` and `RunStore` takes them in; Slurm itself is replaced by a queue
// that reports every task RUNNING (and COMPLETED once the writer is done), so squeue's own CPU is
// not in the figures. Measured over the writing window: lines written and taken in per second,
// the delay from a line's write to its run-log write, and the CPU the coordinator used (this
// process's CPU minus the writer thread's and the simulated squeue's), as a share of one core.

import Foundation
import RunLog
import Runner
import Spec
import Vocabulary

public struct IngestFigures: Sendable {
    public var tasks: Int
    public var interval: Double
    public var seconds: Double
    /// The writing window as it came out (longer than `seconds` when the writer could not keep up).
    public var window: Double
    public var linesWritten: Int
    public var linesIngested: Int
    /// Lines taken in per second over the window.
    public var ingestRate: Double
    /// Delay from a line's write to its run-log write: median, 99th percentile and largest, seconds.
    public var delayMedian: Double
    public var delayP99: Double
    public var delayMax: Double
    /// CPU seconds of the coordinator (tailing, parsing, run-log writes, progress) over the window.
    public var coordinatorCPU: Double
    /// `coordinatorCPU` as a percentage of one core over the window.
    public var coordinatorShare: Double { 100 * coordinatorCPU / window }
    /// Metric rows in the run log at the end.
    public var metricRows: Int
}

public enum IngestBenchmark {
    /// The HA-GAN epoch line's metric keys (what a worker sends each epoch).
    static let keys = MetricKey.hagan.map(\.rawValue)
    /// The metric each line also carries: when the writer sent it (for the delay to the run log).
    static let sentKey = "bench.sent"
    /// Metric rows of one epoch line: the HA-GAN's metrics and the send time.
    public static let rowsPerLine = keys.count + 1

    /// Runs the benchmark in `folder` (a results folder is made there).
    public static func run(tasks: Int, interval: Double, seconds: Double, folder: String, readInterval: Double = 1) throws -> IngestFigures {
        let results = (folder as NSString).appendingPathComponent("results")
        try FileManager.default.createDirectory(atPath: results, withIntermediateDirectories: true)
        let epochs = Int((seconds / interval).rounded(.up)) + 1
        let spec = try SpecLoader.load(text: """
            {"specVersion": 1, "name": "ingest-bench", "table": "none", "seed": 1,
             "dataset": {"kind": "synthetic", "imageSize": 36, "cropSize": 32, "subjects": 8},
             "character": {"kind": "synthetic"},
             "protocol": {"folds": 100, "runs": \((tasks + 99) / 100)},
             "models": [{"name": "HA-GAN", "kind": "hagan", "epochs": \(epochs)}]}
            """)
        let store = try RunStore(path: ResultsLayout(root: results).database)
        defer { try? store.close() }
        let provenance = Provenance(toolVersion: "bench", gitCommit: nil, gitDirty: nil, os: "", cpu: "", blasConfig: "", blasThreads: 1,
                                    datasetFingerprint: nil)
        let (experimentID, _) = try store.registerExperiment(spec, provenance: provenance)
        let jobs = Array(try store.upsertJobs(experimentID: experimentID, plan(spec.spec)).prefix(tasks))
        let planned = jobs.map { PlannedJob(id: $0.id, name: "job \($0.id)", arguments: ["worker"]) }

        let slurm = BenchSlurm()
        let executor = try SlurmExecutor(executable: URL(fileURLWithPath: "/bin/true"), results: results, experimentHash: spec.hash,
                                         options: SlurmOptions(readInterval: readInterval), queue: SlurmQueue(commands: slurm))
        let sink = DelaySink()
        let writer = Writer(tasks: jobs.map { String($0.id) }, interval: interval, seconds: seconds, epochs: epochs,
                            folder: { slurm.folder(results: results, hash: spec.hash) })
        writer.slurm = slurm
        slurm.onSubmit = { writer.start() }
        let coordinator = Coordinator(log: store, executor: executor, options: CoordinatorOptions(), progress: sink)
        _ = try coordinator.run(planned)
        writer.join()

        let window = writer.window
        let delays = sink.delays(from: window.start, to: window.end).sorted()
        func quantile(_ q: Double) -> Double { delays.isEmpty ? 0 : delays[min(delays.count - 1, Int(q * Double(delays.count)))] }
        let rows = try store.metricRowCount()
        return IngestFigures(
            tasks: tasks, interval: interval, seconds: seconds, window: window.end - window.start, linesWritten: writer.linesInWindow,
            linesIngested: delays.count,
            ingestRate: Double(delays.count) / (window.end - window.start), delayMedian: quantile(0.5), delayP99: quantile(0.99),
            delayMax: delays.last ?? 0, coordinatorCPU: window.processCPU - window.writerCPU, metricRows: rows)
    }
}

/// A Slurm that accepts one array and reports all its tasks RUNNING until the writer is done, then COMPLETED.
private final class BenchSlurm: SlurmCommands, @unchecked Sendable {
    private let lock = NSLock()
    private var name = ""
    private var count = 0
    var onSubmit: () -> Void = {}
    private var finished = false
    private var squeueCPU = 0.0

    /// CPU seconds spent making squeue's answers so far.
    var simulatedCPU: Double {
        lock.lock()
        defer { lock.unlock() }
        return squeueCPU
    }

    func finish() {
        lock.lock()
        finished = true
        lock.unlock()
    }

    func folder(results: String, hash: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        return "\(results)/slurm/\(hash)/\(name)"
    }

    func run(_ tool: String, _ arguments: [String]) throws -> String {
        switch tool {
        case "scontrol":
            return "MaxArraySize = 100001\n"
        case "sbatch":
            lock.lock()
            name = arguments.first { $0.hasPrefix("--job-name=") }.map { String($0.dropFirst("--job-name=".count)) } ?? ""
            count = arguments.first { $0.hasPrefix("--array=0-") }.flatMap { Int($0.dropFirst("--array=0-".count).prefix { $0.isNumber }) }.map { $0 + 1 } ?? 0
            lock.unlock()
            onSubmit()
            return "1\n"
        case "squeue":
            // Making squeue's answer is squeue's work, not the coordinator's: its CPU is kept
            // apart and left out of the coordinator's figure.
            let cpu0 = Measure.threadCPUSeconds()
            lock.lock()
            defer { lock.unlock() }
            let state = finished ? "COMPLETED" : "RUNNING"
            let out = (0..<count).map { "1|\($0)|\($0 + 2)|\(state)|node1|None|0|0|\(name)|" }.joined(separator: "\n")
            squeueCPU += Measure.threadCPUSeconds() - cpu0
            return out
        default:
            return ""
        }
    }
}

/// Appends an epoch line per task every `interval` seconds (tasks spread evenly over the
/// interval) for `seconds`, then a completed line per task.
private final class Writer: @unchecked Sendable {
    let tasks: [String]
    let interval: Double
    let seconds: Double
    let epochs: Int
    let folder: () -> String
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)
    var slurm: BenchSlurm?
    private(set) var linesInWindow = 0
    /// The measured window; `writerCPU` is the CPU that is not the coordinator's: this writer's
    /// and the simulated squeue's.
    private(set) var window = (start: 0.0, end: 0.0, processCPU: 0.0, writerCPU: 0.0)

    init(tasks: [String], interval: Double, seconds: Double, epochs: Int, folder: @escaping () -> String) {
        self.tasks = tasks
        self.interval = interval
        self.seconds = seconds
        self.epochs = epochs
        self.folder = folder
    }

    func start() {
        Thread.detachNewThread { [self] in
            write()
            done.signal()
        }
    }

    func join() { done.wait() }

    private func append(_ task: String, _ message: WorkerMessage) {
        let path = "\(folder())/job-\(task).jsonl"
        if let file = try? MessageFileWriter(path: path) { try? file.send(message) }
    }

    private func write() {
        for task in tasks { append(task, .started(resumedFromEpoch: 0, epochs: epochs)) }
        let start = Measure.now(), cpu0 = Measure.processCPUSeconds(), writer0 = Measure.threadCPUSeconds(), squeue0 = slurm?.simulatedCPU ?? 0
        var epoch = Array(repeating: 0, count: tasks.count)
        var next = 0
        let total = Int(seconds / interval * Double(tasks.count))
        while next < total {
            // Line k is due at start + k * interval / tasks: task k % tasks, its epoch k / tasks + 1.
            let due = start + Double(next) * interval / Double(tasks.count)
            let wait = due - Measure.now()
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            let i = next % tasks.count
            epoch[i] += 1
            var metrics = Dictionary(uniqueKeysWithValues: IngestBenchmark.keys.enumerated().map { ($0.element, 1 / Double($0.offset + epoch[i])) })
            metrics[IngestBenchmark.sentKey] = Measure.now()
            append(tasks[i], .epoch(epoch: epoch[i], metrics: metrics))
            next += 1
        }
        let end = Measure.now()
        window = (start, end, Measure.processCPUSeconds() - cpu0, Measure.threadCPUSeconds() - writer0 + (slurm?.simulatedCPU ?? 0) - squeue0)
        linesInWindow = total
        for task in tasks { append(task, .completed) }
        slurm?.finish()
    }
}

/// Records when each epoch line reached the coordinator's progress (after its run-log write), and
/// passes every event on to the plain progress view of `exp run` (into /dev/null), whose cost is
/// the coordinator's too.
private final class DelaySink: ProgressSink, @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [(sent: Double, delay: Double)] = []
    private let view = ProgressView(live: false, output: FileHandle(forWritingAtPath: "/dev/null") ?? .nullDevice)

    func delays(from start: Double, to end: Double) -> [Double] {
        lock.lock()
        defer { lock.unlock() }
        return samples.filter { $0.sent >= start && $0.sent <= end }.map(\.delay)
    }

    func runStarting(jobs: Int, attached: Int, skipped: Int) { view.runStarting(jobs: jobs, attached: attached, skipped: skipped) }
    func jobStarted(_ job: String, resumedFromEpoch: Int, epochs: Int) { view.jobStarted(job, resumedFromEpoch: resumedFromEpoch, epochs: epochs) }
    func jobEpoch(_ job: String, epoch: Int, metrics: [String: Double]) {
        view.jobEpoch(job, epoch: epoch, metrics: metrics)
        guard let sent = metrics[IngestBenchmark.sentKey] else { return }
        let now = Measure.now()
        lock.lock()
        samples.append((sent, now - sent))
        lock.unlock()
    }
    func jobFinished(_ job: String, status: JobStatus, detail: String?) { view.jobFinished(job, status: status, detail: detail) }
    func jobExecution(_ job: String, _ execution: ExecutionRecord) { view.jobExecution(job, execution) }
    func notice(_ text: String) { view.notice(text) }
    func runLogBusy(_ event: BusyEvent) {}
}
