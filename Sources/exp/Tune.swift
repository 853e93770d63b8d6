// `exp tune`: chooses each model's settings on validation subjects (random search with
// successive halving over epochs), with every model given the same trials and rungs.

import ArgumentParser
import Dispatch
import Foundation
import RunLog
import Report
import Runner
import Spec

struct Tune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Choose each model's settings on validation subjects: random search with successive halving.",
        discussion: """
            Each model of the spec gets --trials trials, drawn from the --space options. A trial is an experiment \
            of its own: the model alone, run 0 of the first --folds folds, trained without ever loading its test \
            fold (protocol.test false) and scored on the validation subjects the spec holds out \
            (protocol.validation): the mean validation accuracy over the last 3 epochs up to each rung. Trials \
            train to the first rung; the best 1/eta go on to the next (from their checkpoints), up to the \
            model's epochs. Results are taken in trial order, so the choices are the same on any machine and \
            after any stop: running the same command again resumes. Sets: v1,v2,... (a list), int(lo,hi), \
            real(lo,hi), log(lo,hi), logint(lo,hi). Keys: model.KEY (each tuned model's own), models[i].KEY \
            (model i only), or a key of the whole spec. --write-spec writes the spec to run on the test folds \
            with each model's chosen values and a tuning section its report states.
            """)

    @Argument(help: "The spec to tune (it must hold out validation subjects: protocol.validation).") var spec: String
    @Option(name: .customLong("space"), help: ArgumentHelp("A key and the set its values are drawn from (repeatable).",
                                                           valueName: "KEY=SET")) var space: [String] = []
    @Option(help: "Trials per model.") var trials = 8
    @Option(help: "Reduction factor: the best 1/eta of a rung's trials go on to the next rung.") var eta = 3
    @Option(help: "The fewest epochs of the first rung.") var minEpochs = 3
    @Option(help: "Tuning folds: the first F folds of run 0 score each trial.") var folds = 2
    @Option(name: .customLong("model"), help: "Tune only this model (repeatable; default: every model of the spec).")
    var models: [String] = []
    @Option(help: "Where the trials' jobs run: local (worker processes on this host) or slurm (Slurm array tasks).")
    var executor: ExecutorName = .local
    @Option(help: "Worker processes at once (--executor local).") var jobs = 1
    @Option(help: "Slurm: the partition to submit to.") var partition: String?
    @Option(help: "Slurm: time limit of each task, as sbatch's --time (none given: the partition's).") var time: String?
    @Option(help: "Slurm: memory of each task, as sbatch's --mem.") var mem: String?
    @Option(help: "Slurm: tasks of an array running at once.") var maxRunning: Int?
    @Option(name: .customLong("sbatch-arg"), parsing: .unconditionalSingleValue, help: "Slurm: one more sbatch option (repeatable).")
    var sbatchArgs: [String] = []
    @Option(help: "BLAS threads per worker.") var threadsPerJob = 1
    @Option(help: "Results folder (run log, checkpoints).") var results = "results"
    @Option(name: .customLong("set"), help: "Override a spec value (repeatable), as exp run's --set.") var overrides: [String] = []
    @Option(help: "Write the spec with the chosen settings here (an ordinary experiment to run on the test folds).")
    var writeSpec: String?
    @Option(help: "The spec the chosen settings go into with --write-spec (default: the tuned spec), matched by model name.")
    var applyTo: String?

    func validate() throws {
        if space.isEmpty { throw ValidationError("give at least one --space KEY=SET, e.g. --space model.adam.lr=log(1e-4,1e-3)") }
        if trials < 1 { throw ValidationError("--trials must be at least 1, got \(trials)") }
        if eta < 2 { throw ValidationError("--eta must be at least 2, got \(eta)") }
        if minEpochs < 1 { throw ValidationError("--min-epochs must be at least 1, got \(minEpochs)") }
        if folds < 1 { throw ValidationError("--folds must be at least 1, got \(folds)") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if threadsPerJob < 1 { throw ValidationError("--threads-per-job must be at least 1, got \(threadsPerJob)") }
        if applyTo != nil && writeSpec == nil { throw ValidationError("--apply-to needs --write-spec FILE") }
        if executor == .local {
            let slurmOnly = [partition.map { _ in "--partition" }, time.map { _ in "--time" }, mem.map { _ in "--mem" },
                             maxRunning.map { _ in "--max-running" }, sbatchArgs.isEmpty ? nil : "--sbatch-arg"].compactMap { $0 }
            if !slurmOnly.isEmpty { throw ValidationError("\(slurmOnly.joined(separator: ", ")) only apply to --executor slurm") }
        }
    }

    func run() throws {
        var request = TuneRequest(specPath: spec, space: space, trials: trials)
        request.overrides = overrides
        (request.eta, request.minEpochs, request.folds, request.models) = (eta, minEpochs, folds, models)
        (request.results, request.threadsPerJob) = (results, threadsPerJob)
        switch executor {
        case .local: request.executor = .local(jobs: jobs)
        case .slurm:
            request.executor = .slurm(SlurmOptions(partition: partition, time: time, memory: mem, cpusPerTask: threadsPerJob,
                                                   maxRunning: maxRunning, extraArguments: sbatchArgs))
        }
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        var coordinator: Coordinator?
        var interrupts = 0
        source.setEventHandler {
            interrupts += 1
            if interrupts > 1 {
                FileHandle.standardError.write(Data("\nstopping now; run the same command again to resume\n".utf8))
                _exit(130)
            }
            FileHandle.standardError.write(Data("\nstopping: workers finish their current epoch and checkpoint (Ctrl-C again stops at once)\n".utf8))
            coordinator?.requestStop()
        }
        source.resume()
        let progress = ProgressView(live: ProgressView.stdoutIsTerminal)
        progress.shownMetrics = ["loss", "loss.D", "loss.G", "accuracy.validation"]
        let outcome = try TuneRun.run(request, toolVersion: Exp.version, worker: WorkerPool.currentExecutable, progress: progress,
                                      onCoordinator: { coordinator = $0 })
        let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
        if let record = try store.tune(matching: outcome.hash) {
            print("")
            print(try TuneReport.load(store: store, tune: record).text, terminator: "")
        }
        if outcome.summary.interrupted { throw ExitCode(130) }
        guard outcome.models.allSatisfy(\.finished) else {
            print("the tune is not finished (a job failed or was stopped): run the same command again to go on")
            throw ExitCode(2)
        }
        if let writeSpec {
            let tuned = try SpecLoader.load(path: spec, overrides: overrides).spec
            let written = try TuneRun.chosenSpec(outcome, tunedSpec: tuned, target: applyTo ?? spec)
            try Data(written.text.utf8).write(to: URL(fileURLWithPath: writeSpec), options: .atomic)
            print("wrote \(writeSpec): \(written.spec.spec.name) with the chosen settings; run it on the test folds: exp run \(writeSpec)")
        }
    }
}
