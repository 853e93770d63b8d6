// How Slurm's final state of a task decides its job, when the end is Slurm's doing rather than the
// worker's: a time or memory limit fails the job (raise the limit, rerun with --retry-failed: it
// resumes from its checkpoint); a cancel, a node failure or a preemption interrupts it (a plain
// rerun resumes it); COMPLETED and FAILED leave it to the worker's lines and exit status, unless
// the task left nothing at all in the results folder, which its node then cannot reach.

import Foundation

enum SlurmVerdict {
    /// `task` names it (`12_3`); `cancelledByThisRun` when this `exp run` cancelled it before it
    /// started (Ctrl-C); `wroteNothing` when neither its messages nor its stderr file exists;
    /// `hasCheckpoint` when the job's checkpoint file exists (a rerun resumes from it, else the job
    /// starts again from its first epoch).
    static func of(_ t: SlurmTask, task name: String, options: SlurmOptions, cancelledByThisRun: Bool, wroteNothing: Bool,
                   hasCheckpoint: Bool, results: String, folder: String) -> ExecutorVerdict? {
        let task = "the Slurm task \(name)" + (t.node.map { " on node \($0)" } ?? "")
        let resume = hasCheckpoint ? "run the same command again to resume it from its last checkpoint"
            : "run the same command again to run it; it had no checkpoint yet, so it restarts from the beginning"
        let resumes = hasCheckpoint ? "the job resumes from its last checkpoint" : "the job restarts from the beginning (it had no checkpoint yet)"
        switch t.state {
        case "TIMEOUT":
            return ExecutorVerdict(status: .failed, reason: "\(task) reached its time limit (TIMEOUT)"
                + (options.time.map { ", --time \($0)" } ?? "") + "; run again with a longer --time and --retry-failed: \(resumes)")
        case "OUT_OF_MEMORY":
            return ExecutorVerdict(status: .failed, reason: "\(task) ran out of memory (OUT_OF_MEMORY)"
                + (options.memory.map { ", --mem \($0)" } ?? "") + "; run again with a larger --mem and --retry-failed: \(resumes)")
        case "DEADLINE":
            return ExecutorVerdict(status: .failed, reason: "\(task) passed its deadline (DEADLINE); run again with --retry-failed")
        case "CANCELLED":
            return ExecutorVerdict(status: .interrupted, reason: cancelledByThisRun
                ? "cancelled before it started: exp run was stopped; \(resume)"
                : "\(task) was cancelled (CANCELLED, scancel); \(resume)")
        case "NODE_FAIL":
            return ExecutorVerdict(status: .interrupted, reason: "\(task) ended with its node (NODE_FAIL); \(resume)")
        case "PREEMPTED":
            return ExecutorVerdict(status: .interrupted, reason: "\(task) was preempted (PREEMPTED); \(resume)")
        case "BOOT_FAIL":
            return ExecutorVerdict(status: .interrupted, reason: "\(task) could not start: its node failed to boot (BOOT_FAIL); \(resume)")
        case "REVOKED":
            return ExecutorVerdict(status: .interrupted, reason: "\(task) was revoked by Slurm (REVOKED); \(resume)")
        default:
            guard let node = t.node, wroteNothing else { return nil }
            return ExecutorVerdict(status: .failed, reason: "\(task) ended (\(t.state)" + (t.reason.map { ", \($0)" } ?? "")
                + ", exit code \(t.exitCode)) without writing anything into the results folder \(results): the results folder must be "
                + "on a filesystem shared by this host and the nodes, at the same path; check that node \(node) can reach \(folder)")
        }
    }
}
