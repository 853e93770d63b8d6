// What `exp status` says about jobs handed to Slurm: the task's state as squeue tells it now
// (pending, running on a node, requeued), or as the run log recorded it when squeue does not
// answer or no longer knows the task; and, for a job still running, the last epoch its task wrote
// into its messages file (a detached run's tasks report there before a coordinator takes it in).

import Foundation
import RunLog

public enum SlurmStatus {
    /// A note per job with a Slurm execution, e.g. "slurm 12_3 RUNNING on node1, requeued 1x".
    public static func notes(jobs: [JobRecord], executions: [Int64: ExecutionRecord], results: String, experimentHash: String,
                             queue: SlurmQueue = SlurmQueue()) -> [Int64: String] {
        let slurm = executions.filter { $0.value.executor == "slurm" }
        guard !slurm.isEmpty else { return [:] }
        let running = Set(jobs.filter { $0.status == .running }.map(\.id))
        // Tasks of running jobs, and those whose last recorded state was not final (a coordinator
        // killed between a worker's last line and Slurm's end of its task).
        func unsettled(_ job: Int64, _ e: ExecutionRecord) -> Bool {
            running.contains(job) || e.hasOpenSlurmState
        }
        let names = Set(slurm.filter { unsettled($0.key, $0.value) }.compactMap(\.value.submission)).sorted()
        var live: [String: SlurmTask] = [:]
        var asked = true
        if !names.isEmpty {
            do {
                for t in try queue.tasks(named: names) { live["\(t.name)/\(t.arrayIndex.map(String.init) ?? "*")"] = t }
            } catch {
                asked = false
            }
        }
        let experimentFolder = (results as NSString).appendingPathComponent("slurm/\(experimentHash)")
        var notes: [Int64: String] = [:]
        for job in jobs {
            guard let e = slurm[job.id] else { continue }
            var record = e
            var source = ""
            if unsettled(job.id, e), let name = e.submission {
                if let t = live["\(name)/\(e.arrayIndex.map(String.init) ?? "-")"] ?? live["\(name)/*"] {
                    record.arrayJobID = t.arrayJobID
                    record.state = t.state
                    record.node = t.node ?? record.node
                    record.reason = t.reason
                    record.requeues = max(record.requeues, t.restarts)
                } else {
                    source = asked ? " (as recorded at \(e.updatedAt ?? "?"); squeue no longer shows it)"
                                   : " (as recorded at \(e.updatedAt ?? "?"); squeue does not answer)"
                }
            }
            var note = "slurm " + (record.arrayJobID.map { "\($0)_\(record.arrayIndex ?? 0)" } ?? record.submission ?? "?")
                + " " + (record.state ?? "no state") + (record.node.map { " on \($0)" } ?? "")
                + (record.requeues > 0 ? ", requeued \(record.requeues)x" : "") + (record.reason.map { ", \($0)" } ?? "") + source
            if running.contains(job.id), let name = e.submission {
                let file = SlurmSubmission.messagesFile(folder: (experimentFolder as NSString).appendingPathComponent(name), job: String(job.id))
                let written = MessageTail(path: file).read().compactMap { m -> Int? in
                    if case .epoch(let epoch, _) = m { return epoch }
                    return nil
                }.max()
                if let written, written > job.epochsDone {
                    note += "; epoch \(written) written by the task, not yet in the run log (run the same `exp run` again to take it in)"
                }
            }
            notes[job.id] = note
        }
        return notes
    }
}

extension ExecutionRecord {
    /// A Slurm execution whose recorded state is not one that ends a task (nor absent): what
    /// squeue or sacct may still tell the end of.
    var hasOpenSlurmState: Bool { executor == "slurm" && !(state.map(SlurmTask.finalStates.contains) ?? true) }
}
