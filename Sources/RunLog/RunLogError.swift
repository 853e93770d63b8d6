// RunLogError: what can go wrong opening or writing the run log, each message saying what to do.

public enum RunLogError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The file was written by a newer schema than this build knows; it was not modified.
    case newerSchema(path: String, found: Int, supported: Int, unknownMigrations: [String])
    /// The file is not an SQLite database, or not a run log.
    case notARunLog(path: String, reason: String)
    /// A read-only open of a run log that does not exist.
    case missing(path: String)
    /// A status change that the job lifecycle does not allow.
    case illegalTransition(jobID: Int64, from: JobStatus, to: JobStatus)
    case unknownJob(jobID: Int64)
    /// No experiment has that name or spec-hash prefix; `known` lists those there are ("name (hash)").
    case unknownExperiment(String, known: [String])
    /// Several experiments have that name; `candidates` describes each (hash, created, jobs done).
    case ambiguousExperiment(String, candidates: [String])
    /// No sweep (or several) matches the name or sweep-hash prefix.
    case unknownSweep(String, known: [String])
    /// A subject already assigned to another fold for this run (the data or the split changed).
    case foldAssignmentConflict(experimentID: Int64, run: Int, subject: String, stored: Int, new: Int)
    /// A new run log cannot be created there.
    case unwritable(path: String, reason: String)
    /// A write through a store opened read-only.
    case readOnly(path: String)
    /// An SQLite error while reading or writing (disk full, I/O error, a lock held past the busy timeout).
    case database(path: String, message: String)
    /// A write waited for space on a full disk and was stopped (Ctrl-C) before space returned.
    case diskFull(path: String)

    public var description: String {
        switch self {
        case .newerSchema(let path, let found, let supported, let unknown):
            let extra = unknown.isEmpty ? "" : " (migrations \(unknown.joined(separator: ", ")))"
            return "\(path): run log schema version \(found)\(extra) was written by a newer exp; this build reads up to version \(supported). Use a newer exp, or another --results folder. The file was not modified."
        case .notARunLog(let path, let reason):
            return "\(path): not an exp run log (\(reason)). Choose another --results folder or move the file away."
        case .missing(let path):
            return "\(path): no run log here yet; run `exp run SPEC` first or pass the right --results folder."
        case .illegalTransition(let jobID, let from, let to):
            let allowed = from.successors.map(\.rawValue).sorted().joined(separator: ", ")
            return "job \(jobID): cannot go from \(from.rawValue) to \(to.rawValue) (allowed: \(allowed.isEmpty ? "none, it is final" : allowed))"
        case .unknownJob(let jobID):
            return "job \(jobID) is not in the run log"
        case .unknownExperiment(let key, let known):
            let list = known.isEmpty ? "the run log has no experiments yet" : "the run log has: \(known.joined(separator: ", "))"
            return "no experiment named \"\(key)\" or whose spec hash starts with it (4 or more hex digits); \(list)"
        case .ambiguousExperiment(let key, let candidates):
            return "\(candidates.count) experiments are named \"\(key)\": \(candidates.joined(separator: "; ")). Name one by its "
                + "hash, or add --latest for the newest"
        case .unknownSweep(let key, let known):
            let list = known.isEmpty ? "the run log has no sweeps (exp run SPEC --sweep key=v1,v2)" : "the run log has: \(known.joined(separator: ", "))"
            return "no single sweep named \"\(key)\" or whose sweep hash starts with it (4 or more hex digits); \(list)"
        case .unwritable(let path, let reason):
            return "\(path): cannot create the run log: \(reason). Choose a writable --results folder."
        case .readOnly(let path):
            return "\(path): the run log was opened read-only; only the coordinator of `exp run` writes to it"
        case .database(let path, let message):
            return "\(path): \(message)"
        case .diskFull(let path):
            return "\(path): stopped while waiting for disk space (database or disk is full); nothing written is lost: "
                + "free some space and run the same command again to resume"
        case .foldAssignmentConflict(let experimentID, let run, let subject, let stored, let new):
            return "experiment \(experimentID) run \(run): subject \(subject) is recorded in fold \(stored), now assigned to fold \(new); the dataset or the split changed, start a new experiment"
        }
    }
}
