// One `sbatch` of `exp run --executor slurm`: a job array whose task i runs the worker of the
// i-th job launched into it. It lives in its own folder, `results/slurm/<hash>/<name>/`:
//
//   batch.sh        the script Slurm runs for every task (the same but for the folder it names)
//   tasks           line i+1: the i-th job id and its command, shell-quoted (env, exp, worker arguments)
//   job-<id>.jsonl  the worker's messages (appended, also across requeues)
//   job-<id>.stderr the worker's standard error (appended)
//   slurm-<i>.out   what the script itself printed (Slurm's --output)
//
// The folder name is also the array's Slurm job name, which is how `squeue -n` finds its tasks
// again after the coordinator was killed or detached. Paths are absolute: the nodes see the
// results folder at the same path as the submitting host (a shared filesystem).

import Foundation

/// Options of `exp run --executor slurm` that become sbatch options. None of them is part of the
/// spec, so none changes the experiment's hash.
public struct SlurmOptions: Sendable, Equatable {
    public var partition: String?
    /// `--time` (Slurm's formats: minutes, MM:SS, HH:MM:SS, D-HH:MM:SS).
    public var time: String?
    /// `--mem` per task (e.g. 4G).
    public var memory: String?
    /// BLAS threads of each worker: sbatch's `--cpus-per-task`.
    public var cpusPerTask: Int
    /// The array throttle (`--array=...%N`): tasks of one array running at once.
    public var maxRunning: Int?
    /// More sbatch options, given last (so they override exp's).
    public var extraArguments: [String]
    /// Seconds between two squeue polls, and between two reads of the messages files.
    public var pollInterval: Double
    public var readInterval: Double

    public init(partition: String? = nil, time: String? = nil, memory: String? = nil, cpusPerTask: Int = 1, maxRunning: Int? = nil,
                extraArguments: [String] = [], pollInterval: Double = 2, readInterval: Double = 1) {
        self.partition = partition
        self.time = time
        self.memory = memory
        self.cpusPerTask = cpusPerTask
        self.maxRunning = maxRunning
        self.extraArguments = extraArguments
        self.pollInterval = pollInterval
        self.readInterval = readInterval
    }
}

struct SlurmSubmission {
    /// The folder and Slurm job name, e.g. `exp-923b9a63ed19-20261130T071045-1`.
    let name: String
    let folder: String
    /// Job keys, in array index order.
    var jobs: [String] = []
    var commands: [[String]] = []
    var arrayJobID: Int64?

    init(name: String, folder: String) {
        self.name = name
        self.folder = folder
    }

    static func messagesFile(folder: String, job: String) -> String { (folder as NSString).appendingPathComponent("job-\(job).jsonl") }
    static func stderrFile(folder: String, job: String) -> String { (folder as NSString).appendingPathComponent("job-\(job).stderr") }

    /// A name no submission of this experiment has used: the experiment's hash prefix, the UTC
    /// time and a counter.
    static func newName(experimentHash: String, experimentFolder: String, now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        let stem = "exp-\(experimentHash.prefix(12))-\(formatter.string(from: now))"
        var k = 1
        while FileManager.default.fileExists(atPath: (experimentFolder as NSString).appendingPathComponent("\(stem)-\(k)")) { k += 1 }
        return "\(stem)-\(k)"
    }

    /// The script every task runs: it reads its own line of `tasks` and `exec`s it, so the worker
    /// is the process Slurm signals (SIGINT on Ctrl-C, SIGTERM at a time limit or a requeue).
    static func script(folder: String) -> String {
        let dir = shellQuote(folder)
        return """
            #!/bin/bash
            # Written by `exp run --executor slurm`: array task i runs line i+1 of the tasks file, an
            # `exp worker` whose messages go to job-<id>.jsonl and standard error to job-<id>.stderr here.
            dir=\(dir)
            if [ ! -r "$dir/tasks" ]; then
                echo "exp: node $(hostname) cannot read $dir/tasks: the results folder must be on a filesystem shared by the submitting host and every node, at the same path" >&2
                exit 66
            fi
            line=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$dir/tasks")
            eval "set -- $line"
            if [ $# -lt 2 ]; then
                echo "exp: array task $SLURM_ARRAY_TASK_ID has no line in $dir/tasks" >&2
                exit 64
            fi
            job=$1
            shift
            exec "$@" --messages "$dir/job-$job.jsonl" 2>>"$dir/job-$job.stderr"

            """
    }

    /// The tasks file: one line per job, its key then its command.
    /// The `--checkpoint` value of a worker's arguments.
    static func checkpoint(in arguments: [String]) -> String? {
        guard let i = arguments.firstIndex(of: "--checkpoint"), i + 1 < arguments.count else { return nil }
        return arguments[i + 1]
    }

    /// The `--checkpoint` of `job`'s command in the `tasks` file of a submission's folder (an
    /// earlier run's submission, adopted).
    static func checkpoint(ofJob job: String, folder: String) -> String? {
        guard let text = try? String(contentsOfFile: (folder as NSString).appendingPathComponent("tasks"), encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ").map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "'")) }
            if words.first == job { return checkpoint(in: words) }
        }
        return nil
    }

    var tasksFile: String {
        zip(jobs, commands).map { job, command in ([job] + command).map(shellQuote).joined(separator: " ") + "\n" }.joined()
    }

    /// sbatch's options for this array.
    func sbatchArguments(_ options: SlurmOptions, results: String) -> [String] {
        var a = ["--job-name=\(name)", "--array=0-\(jobs.count - 1)" + (options.maxRunning.map { "%\($0)" } ?? ""),
                 "--open-mode=append", "--requeue", "--cpus-per-task=\(options.cpusPerTask)",
                 "--output=\((folder as NSString).appendingPathComponent("slurm-%a.out"))", "--chdir=\(results)"]
        if let p = options.partition { a.append("--partition=\(p)") }
        if let t = options.time { a.append("--time=\(t)") }
        if let m = options.memory { a.append("--mem=\(m)") }
        return a + options.extraArguments
    }
}

/// `text` as one word for a POSIX shell.
func shellQuote(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
