// `exp worker`, the hidden command that runs one job (started by `exp run`, locally or as a Slurm
// task): it prints the worker protocol's lines on stdout, or appends them to `--messages FILE`.

import ArgumentParser
import Dispatch
import Foundation
import RunLog
import Runner

struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one job of an experiment (started by `exp run`; prints protocol lines).", shouldDisplay: false)

    @Option(help: "Results folder (the experiment's spec file, checkpoints, samples; never the run log).") var results: String
    @Option(help: "The experiment's spec hash.") var experiment: String
    @Option(help: "The job's id in the run log (names its messages file).") var job: Int64
    @Option(help: "The job's model name.") var model: String
    @Option(name: .customLong("run"), help: "The job's run.") var runIndex: Int
    @Option(help: "The job's fold.") var fold: Int
    @Option(help: "The job's seed (as planned from the spec).") var seed: UInt64
    @Option var threads = 1
    @Option(help: "Append the messages to this file (fsynced per line) instead of stdout, and outlive the parent (Slurm tasks).")
    var messages: String?
    @Option(help: "The job's checkpoint file, relative to the results folder (default: checkpoints/<hash>/<model>-run<R>-fold<F>.ckpt).")
    var checkpoint: String?
    @Option(help: "For an experiment in native numerics: the OpenBLAS kernel its jobs compute with (refused when this machine's differs).")
    var blasCore: String?
    @Option(help: "Stop after this epoch, keeping the checkpoint, unless it is the last (a trial of `exp tune` at its rung).")
    var pauseAfterEpoch: Int?

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let stop = StopFlag()
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { stop.set() }
        source.resume()
        let file: MessageFileWriter?
        do {
            file = try messages.map { try MessageFileWriter(path: $0) }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(66)
        }
        let send: (WorkerMessage) -> Void = { m in
            guard let file else { return FileHandle.standardOutput.write(Data(m.line().utf8)) }
            do {
                try file.send(m, shouldStop: { stop.isSet })
            } catch {
                // Nobody would hear this worker any more: stop, keeping the last checkpoint.
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                Foundation.exit(74)
            }
        }
        do {
            let last = try JobWorker.run(
                WorkerRequest(results: results, experimentHash: experiment, jobID: job, modelName: model, run: runIndex, fold: fold,
                              seed: seed, threads: threads, messages: messages, checkpoint: checkpoint, blasCore: blasCore,
                              pauseAfterEpoch: pauseAfterEpoch),
                send: send, shouldStop: { stop.isSet })
            if case .interrupted = last { throw ExitCode(130) }
        } catch let e as ExitCode {
            throw e
        } catch RunError.coordinatorGone {
            // Nobody reads this worker any more: stop at once, with the status of a killed process.
            throw ExitCode(137)
        } catch {
            send(.failed(message: String(describing: error)))
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
