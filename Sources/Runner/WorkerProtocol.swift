// The messages a worker process streams to the coordinator, one JSON object per line on stdout.
//
// The coordinator is the only writer of the run log; workers only train and report. Each line is
// self-contained, so a worker killed mid-write loses at most its last line, which the coordinator
// discards as incomplete. Non-finite numbers travel as the strings "nan", "inf" and "-inf".

import Foundation
import RunLog
import Vocabulary

public enum WorkerMessage: Codable, Equatable, Sendable {
    /// The job began; `resumedFromEpoch` is the last completed epoch restored from a checkpoint (0: fresh).
    case started(resumedFromEpoch: Int, epochs: Int)
    /// The machine and kernels the worker computes with (sent after `started`, once per start).
    case machine(MachineNumerics)
    /// One finished epoch's metrics (loss terms, accuracies), keyed by metric name.
    case epoch(epoch: Int, metrics: [String: Double])
    /// A file the job wrote (checkpoint, sample grid).
    case artifact(kind: ArtifactKind, path: String, epoch: Int)
    /// The final model's predictions on the test fold.
    case predictions([Prediction])
    /// The job ended normally.
    case completed
    /// A loss became NaN or infinite at this epoch and step.
    case diverged(epoch: Int, step: Int, detail: String)
    /// The worker stopped on request (Ctrl-C) after checkpointing its last finished epoch.
    case interrupted(epoch: Int)
    /// The job failed with an error the worker could describe.
    case failed(message: String)
    /// A file of the job cannot be written for lack of space (`DiskSpace.message`): the worker
    /// waits for space and writes it then; its next epoch line says it went on.
    case diskFull(message: String)

    private enum Kind: String, Codable { case started, machine, epoch, artifact, predictions, completed, diverged, interrupted, failed, diskFull }
    private enum Keys: String, CodingKey {
        case type, resumedFromEpoch, epochs, machine, epoch, metrics, kind, path, predictions, step, detail, message
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        switch try c.decode(Kind.self, forKey: .type) {
        case .started: self = .started(resumedFromEpoch: try c.decode(Int.self, forKey: .resumedFromEpoch), epochs: try c.decode(Int.self, forKey: .epochs))
        case .machine: self = .machine(try c.decode(MachineNumerics.self, forKey: .machine))
        case .epoch: self = .epoch(epoch: try c.decode(Int.self, forKey: .epoch), metrics: try c.decode([String: Double].self, forKey: .metrics))
        case .artifact: self = .artifact(kind: try c.decode(ArtifactKind.self, forKey: .kind), path: try c.decode(String.self, forKey: .path), epoch: try c.decode(Int.self, forKey: .epoch))
        case .predictions: self = .predictions(try c.decode([Prediction].self, forKey: .predictions))
        case .completed: self = .completed
        case .diverged: self = .diverged(epoch: try c.decode(Int.self, forKey: .epoch), step: try c.decode(Int.self, forKey: .step), detail: try c.decode(String.self, forKey: .detail))
        case .interrupted: self = .interrupted(epoch: try c.decode(Int.self, forKey: .epoch))
        case .failed: self = .failed(message: try c.decode(String.self, forKey: .message))
        case .diskFull: self = .diskFull(message: try c.decode(String.self, forKey: .message))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .started(let r, let e):
            try c.encode(Kind.started, forKey: .type); try c.encode(r, forKey: .resumedFromEpoch); try c.encode(e, forKey: .epochs)
        case .machine(let m):
            try c.encode(Kind.machine, forKey: .type); try c.encode(m, forKey: .machine)
        case .epoch(let e, let m):
            try c.encode(Kind.epoch, forKey: .type); try c.encode(e, forKey: .epoch); try c.encode(m, forKey: .metrics)
        case .artifact(let k, let p, let e):
            try c.encode(Kind.artifact, forKey: .type); try c.encode(k, forKey: .kind); try c.encode(p, forKey: .path); try c.encode(e, forKey: .epoch)
        case .predictions(let p):
            try c.encode(Kind.predictions, forKey: .type); try c.encode(p, forKey: .predictions)
        case .completed:
            try c.encode(Kind.completed, forKey: .type)
        case .diverged(let e, let s, let d):
            try c.encode(Kind.diverged, forKey: .type); try c.encode(e, forKey: .epoch); try c.encode(s, forKey: .step); try c.encode(d, forKey: .detail)
        case .interrupted(let e):
            try c.encode(Kind.interrupted, forKey: .type); try c.encode(e, forKey: .epoch)
        case .failed(let m):
            try c.encode(Kind.failed, forKey: .type); try c.encode(m, forKey: .message)
        case .diskFull(let m):
            try c.encode(Kind.diskFull, forKey: .type); try c.encode(m, forKey: .message)
        }
    }

    /// One JSON line (no embedded newlines), ending in "\n".
    public func line() -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // Encoding these plain values cannot fail.
        let data = try! e.encode(self)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Parses one line written by `line()`; nil for anything else (a torn last line, stray output).
    public static func parse(_ line: Substring) -> WorkerMessage? {
        if let epoch = EpochLineParser.parse(line.utf8) { return epoch }
        return decode(line)
    }

    /// `parse` without the epoch line's fast path: JSONDecoder for every line.
    static func decode(_ line: Substring) -> WorkerMessage? {
        try? decoder.decode(WorkerMessage.self, from: Data(line.utf8))
    }

    /// One decoder for every line (a coordinator of thousands of Slurm tasks parses hundreds a second).
    private static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }()
}
