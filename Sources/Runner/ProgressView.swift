// Progress of `exp run`: on a terminal, a live table of jobs (epoch / total, main losses, test
// accuracy so far, ETA; under Slurm, the tasks queued and the node of each) redrawn in place;
// otherwise one plain line per event, for logs and CI. The same view serves both executors.

import Foundation
import RunLog
import Vocabulary

public final class ProgressView: ProgressSink {
    struct Row {
        var epoch = 0
        var epochs = 0
        var resumedFrom = 0
        var metrics: [String: Double] = [:]
        var started = Date()
        var status = "running"
    }

    /// Each job's row by name, and the names in the order their jobs started (a name appears
    /// again when its job restarts; names of ended jobs are dropped now and then): thousands of
    /// Slurm tasks' lines each find their row without a search.
    private var rows: [String: Row] = [:]
    private var order: [String] = []
    private let live: Bool
    private let out: FileHandle
    private var drawnLines = 0
    private var total = 0
    private var done = 0
    /// Slurm's state of each job's task, for the queue line of the live table.
    private var schedulerStates: [String: String] = [:]
    /// The node each Slurm task runs on.
    private var nodes: [String: String] = [:]
    /// Above this many running jobs the plain output counts epochs every 10 s instead of a line each.
    static let manyJobs = 100
    private var epochsUnreported = 0
    private var lastEpochSummary = Date()
    /// How often the plain output counts epochs when many jobs run (seconds).
    public var epochSummaryInterval: TimeInterval = 10
    /// Metrics shown, in order, when present.
    public var shownMetrics = MetricKey.shown.map(\.rawValue)

    /// `live` redraws a table in place (use on a terminal).
    public init(live: Bool, output: FileHandle = .standardOutput) {
        self.live = live
        self.out = output
    }

    /// True when standard output is a terminal.
    public static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) != 0 }

    public func runStarting(jobs: Int, attached: Int, skipped: Int) {
        total = jobs + attached
        if !live {
            emit("\(jobs) job(s) to run" + (attached > 0 ? ", \(attached) submitted earlier and still running (attached)" : "")
                 + (skipped > 0 ? ", \(skipped) already finished" : ""))
        }
    }

    public func jobExecution(_ job: String, _ execution: ExecutionRecord) {
        guard execution.executor != "local", let state = execution.state else { return }
        let before = schedulerStates[job]
        schedulerStates[job] = state
        nodes[job] = execution.node
        if live {
            redraw()
        } else if state != before && state != "SUBMITTING" && !(state == "PENDING" && (before == nil || before == "SUBMITTING")) {
            // One line per change of Slurm's state (not for the submission itself, which a notice reports).
            let task = execution.arrayJobID.map { "\($0)_\(execution.arrayIndex ?? 0)" } ?? execution.submission ?? "?"
            emit("slurm       \(job): task \(task) \(state)" + (execution.node.map { " on \($0)" } ?? "")
                 + (execution.requeues > 0 ? ", requeued \(execution.requeues)x" : "") + (execution.reason.map { " (\($0))" } ?? ""))
        }
    }

    public func notice(_ text: String) {
        if live {
            FileHandle.standardError.write(Data((text + "\n").utf8))
            drawnLines = 0
            redraw(force: true)
        } else {
            emit(text)
        }
    }

    public func jobStarted(_ job: String, resumedFromEpoch: Int, epochs: Int) {
        var row = Row()
        row.epochs = epochs
        row.epoch = resumedFromEpoch
        row.resumedFrom = resumedFromEpoch
        rows[job] = row
        order.append(job)
        compactOrder()
        if live { redraw() } else {
            emit("start       \(job)" + (resumedFromEpoch > 0 ? " (resumed after epoch \(resumedFromEpoch) of \(epochs))" : " (\(epochs) epochs)"))
        }
    }

    public func jobEpoch(_ job: String, epoch: Int, metrics: [String: Double]) {
        guard var row = rows[job] else { return }
        row.epoch = epoch
        row.metrics = metrics
        rows[job] = row
        if live {
            redraw()
        } else if rows.count > Self.manyJobs {
            // Hundreds of jobs at once (Slurm arrays) would print hundreds of lines a second:
            // one line every `epochSummaryInterval` counts their epochs instead.
            epochsUnreported += 1
            let now = Date()
            if now.timeIntervalSince(lastEpochSummary) >= epochSummaryInterval {
                emit("epochs      \(epochsUnreported) epoch(s) finished by \(rows.count) running jobs since the last line; \(done)\(total > 0 ? "/\(total)" : "") jobs done")
                epochsUnreported = 0
                lastEpochSummary = now
            }
        } else {
            emit("epoch       \(job) \(epoch)/\(row.epochs) \(metricText(metrics)) eta \(eta(row))")
        }
    }

    public func jobFinished(_ job: String, status: JobStatus, detail: String?) {
        done += 1
        rows[job]?.status = status.rawValue
        if live {
            redraw()
        } else {
            let first = detail?.split(separator: "\n").first.map(String.init)
            let name = status.rawValue + String(repeating: " ", count: max(0, 11 - status.rawValue.count))
            emit("\(name) \(job) [\(done)\(total > 0 ? "/\(total)" : "") done]" + (first.map { ": \($0)" } ?? ""))
        }
        if !live {
            rows[job] = nil
            compactOrder()
        }
    }

    /// Drops from `order` the names of ended jobs and earlier starts of restarted ones once they
    /// are most of it.
    private func compactOrder() {
        guard order.count > 2 * rows.count + 64 else { return }
        var seen = Set<String>()
        order = order.reversed().filter { rows[$0] != nil && seen.insert($0).inserted }.reversed()
    }

    /// The last `n` jobs to start that still have rows, in the order they started.
    private func latestRows(_ n: Int) -> [(String, Row)] {
        var seen = Set<String>()
        var result: [(String, Row)] = []
        for job in order.reversed() where result.count < n {
            if let row = rows[job], seen.insert(job).inserted { result.append((job, row)) }
        }
        return result.reversed()
    }

    public func runLogBusy(_ event: BusyEvent) {
        let line: String
        switch event {
        case .waiting(let path, let holder):
            line = "waiting: the run log \(path) is locked by \(holder ?? "another connection"); the workers go on and their "
                + "reports are kept until it is free (Ctrl-C twice stops at once; running the same command again resumes)"
        case .resumed(_, let seconds):
            line = String(format: "the run log is free again after %.0f s; catching up", seconds)
        case .diskFull(let path, let message):
            line = "paused: \(message) (the run log \(path) cannot grow). No job starts and the running ones wait; "
                + "free some space and the run goes on by itself, checking every \(DiskSpace.pollSeconds.formatted()) s "
                + "(Ctrl-C stops; running the same command again resumes)"
        case .spaceReturned(_, let seconds):
            line = String(format: "disk space is back after %.0f s; the run goes on", seconds)
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
        // The live table is drawn again below the message.
        drawnLines = 0
        if live { redraw(force: true) }
    }

    private func metricText(_ m: [String: Double]) -> String {
        shownMetrics.compactMap { key in m[key].map { "\(key) \(String(format: key.hasPrefix("accuracy") ? "%.3f" : "%.4f", $0))" } }
            .joined(separator: " ")
    }

    private func eta(_ row: Row) -> String {
        let doneEpochs = row.epoch - row.resumedFrom
        guard doneEpochs > 0, row.epochs > row.epoch else { return row.epochs == row.epoch ? "0s" : "?" }
        let perEpoch = Date().timeIntervalSince(row.started) / Double(doneEpochs)
        return formatDuration(perEpoch * Double(row.epochs - row.epoch))
    }

    /// When the table was last drawn: with more than `manyJobs` jobs (Slurm arrays, hundreds of
    /// lines a second, so a skipped drawing is soon made up) the live table is drawn at most 10
    /// times a second, and always when the last job ends; with fewer, at every event.
    private var lastDrawn = Date.distantPast

    private func redraw(force: Bool = false) {
        let now = Date()
        guard force || rows.count <= Self.manyJobs || now.timeIntervalSince(lastDrawn) >= 0.1 || done >= total else { return }
        lastDrawn = now
        var header = "jobs: \(done)/\(total) done"
        if !schedulerStates.isEmpty {
            // Under Slurm: how many tasks are in each of its states, e.g. "slurm: 12 PENDING, 4 RUNNING".
            var counts: [String: Int] = [:]
            for state in schedulerStates.values { counts[state, default: 0] += 1 }
            header += "; slurm: " + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        }
        var lines = [header]
        for (job, row) in latestRows(12) {
            let bar = "\(row.epoch)/\(row.epochs)".padding(toLength: 8, withPad: " ", startingAt: 0)
            let state = (row.status == "running" ? "eta \(eta(row))" : row.status) + (nodes[job].map { " on \($0)" } ?? "")
            lines.append("  \(job.padding(toLength: 34, withPad: " ", startingAt: 0)) \(bar) \(metricText(row.metrics)) \(state)")
        }
        var text = drawnLines > 0 ? "\u{1B}[\(drawnLines)F" : ""
        text += lines.map { $0 + "\u{1B}[K" }.joined(separator: "\n") + "\n"
        drawnLines = lines.count
        out.write(Data(text.utf8))
    }

    private func emit(_ line: String) {
        out.write(Data((line + "\n").utf8))
    }
}

/// "1h02m", "3m05s", "42s".
public func formatDuration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
    if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
    return "\(s)s"
}
