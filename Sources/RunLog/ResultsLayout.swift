// Where everything lives in a results folder. Every file name that is written and read back (the
// run log, saved specs, checkpoints, sample grids) is made, and parsed, here.
//
//   runs.sqlite                                 the run log
//   experiments/<hash>/spec.json                the canonical spec each worker reads
//   checkpoints/<hash>/<job>.ckpt               a job's checkpoint (`JobFileName`: ha-gan-run0-fold3)
//   samples/<hash>/<job>/epoch-0010.png         HA-GAN's sample grids
//   faces/                                      the face cache (FaceData)
//   slurm/<hash>/<submission>/                  Slurm submissions (Runner)

import Foundation
import Spec

/// A job's name in the results folder: its model's file name (`ModelSpec.fileName`, unique in a
/// spec by rule), run and fold, e.g. `ha-gan-run0-fold3`.
public struct JobFileName: Hashable, Sendable, CustomStringConvertible {
    public var model: String
    public var run: Int
    public var fold: Int

    public init(model: String, run: Int, fold: Int) {
        self.model = model
        self.run = run
        self.fold = fold
    }

    /// The file name of model `name` (a spec's model name), run and fold.
    public init(modelName name: String, run: Int, fold: Int) {
        self.init(model: ModelSpec.fileName(name), run: run, fold: fold)
    }

    public var description: String { "\(model)-run\(run)-fold\(fold)" }
}

public struct ResultsLayout: Sendable {
    public let root: String
    public init(root: String) { self.root = root }

    /// The run log.
    public var database: String { path("runs.sqlite") }
    /// The canonical spec of an experiment, as `exp run` saved it for the workers.
    public func specFile(_ hash: String) -> String { path("experiments/\(hash)/spec.json") }
    /// The folder of an experiment's checkpoints.
    public func checkpoints(_ hash: String) -> String { path("checkpoints/\(hash)") }
    /// A job's checkpoint: `checkpoints/<hash>/ha-gan-run0-fold3.ckpt`.
    public func checkpoint(_ hash: String, job: JobFileName) -> String { path("checkpoints/\(hash)/\(job).ckpt") }
    /// The folder of a job's sample grids: `samples/<hash>/ha-gan-run0-fold3`.
    public func samples(_ hash: String, job: JobFileName) -> String { path("samples/\(hash)/\(job)") }
    /// The sample grid of a job's epoch: `samples/<hash>/ha-gan-run0-fold3/epoch-0010.png`.
    public func sampleGrid(_ hash: String, job: JobFileName, epoch: Int) -> String {
        (samples(hash, job: job) as NSString).appendingPathComponent(String(format: "epoch-%04d.png", epoch))
    }
    /// The epoch of a sample grid's file name (`epoch-0010.png` -> 10); nil for other names.
    public static func sampleGridEpoch(fileName name: String) -> Int? {
        guard name.hasPrefix("epoch-"), name.hasSuffix(".png") else { return nil }
        return Int(name.dropFirst(6).dropLast(4))
    }

    /// Removes the temporary files of writes that never finished (`.NAME.tmp-PID`) from an
    /// experiment's checkpoint folder and its jobs' sample folders, except those of `keeping`
    /// (jobs whose Slurm tasks may still be writing them).
    public func removeUnfinishedFiles(_ hash: String, keeping jobs: Set<JobFileName> = []) {
        let files = FileManager.default
        let sampleRoot = path("samples/\(hash)")
        let kept = Set(jobs.map(\.description))
        let jobFolders = ((try? files.contentsOfDirectory(atPath: sampleRoot)) ?? []).filter { !kept.contains($0) }
            .map { (sampleRoot as NSString).appendingPathComponent($0) }
        for folder in [checkpoints(hash)] + jobFolders {
            for name in (try? files.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(".") && name.contains(".tmp-") {
                if kept.contains(where: { name.hasPrefix(".\($0).ckpt.") }) { continue }
                try? files.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
            }
        }
    }

    /// One job's half-written files, left by an earlier worker of it killed mid-write (a Slurm task
    /// requeued or cancelled while it wrote its checkpoint): removed by the job's next worker, the
    /// only writer of its files, before it writes any.
    public func removeUnfinishedFiles(_ hash: String, of job: JobFileName, checkpoint: String) {
        let files = FileManager.default
        let folder = (checkpoint as NSString).deletingLastPathComponent, name = (checkpoint as NSString).lastPathComponent
        for entry in (try? files.contentsOfDirectory(atPath: folder)) ?? [] where entry.hasPrefix(".\(name).tmp-") {
            try? files.removeItem(atPath: (folder as NSString).appendingPathComponent(entry))
        }
        let grids = samples(hash, job: job)
        for entry in (try? files.contentsOfDirectory(atPath: grids)) ?? [] where entry.hasPrefix(".") && entry.contains(".tmp-") {
            try? files.removeItem(atPath: (grids as NSString).appendingPathComponent(entry))
        }
    }

    /// A path inside the results folder relative to it (as the run log records artifacts).
    public func relative(_ path: String) -> String {
        let prefix = (root as NSString).standardizingPath + "/"
        let full = (path as NSString).standardizingPath
        return full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : path
    }

    /// A path of the results folder given relative to it (an absolute path is returned as it is).
    public func absolute(_ path: String) -> String {
        (path as NSString).isAbsolutePath ? path : self.path(path)
    }

    private func path(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }
}

/// The kinds of files a job writes (the run log's `artifacts.kind`).
public enum ArtifactKind: String, Sendable, CaseIterable, Codable {
    /// The job's checkpoint, rewritten after every epoch (recorded at its first and last epoch).
    case checkpoint
    /// An HA-GAN sample grid (inputs beside generated characters) of one epoch.
    case samples
}
