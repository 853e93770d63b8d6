// The private Slurm cluster the Slurm tests run on: `scripts/slurm-cluster.sh` starts munged,
// slurmctld and slurmd on loopback in a temporary folder before the suite and stops them by PID
// after it (`.slurmCluster`). The suite is skipped, saying why, where Slurm is not installed.

import Foundation
import Testing

final class SlurmCluster: @unchecked Sendable {
    let folder: String
    /// SLURM_CONF of the cluster, passed to every Slurm tool and `exp` process the tests start.
    let conf: String
    var environment: [String: String] { ["SLURM_CONF": conf] }

    nonisolated(unsafe) static var current: SlurmCluster?

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/slurm-cluster.sh").path

    /// Whether the daemons and client tools the script needs are installed.
    static var isInstalled: Bool {
        let daemons = ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd"]
        let tools = ["sbatch", "squeue", "scontrol", "scancel", "sinfo"].map { "/usr/bin/\($0)" }
        return (daemons + tools).allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let skipReason: Comment = "Slurm is not installed (needs /usr/sbin/munged, slurmctld, slurmd and sbatch, squeue, scontrol, scancel, sinfo: apt-get install slurmctld slurmd slurm-client munge)"

    private init(folder: String, conf: String) {
        self.folder = folder
        self.conf = conf
    }

    static func start() throws -> SlurmCluster {
        let folder = temporaryFolder("slurm-cluster")
        let (status, out, err) = run("/bin/bash", [script, "start", folder])
        guard status == 0, let line = out.split(separator: "\n").first(where: { $0.hasPrefix("export SLURM_CONF=") }) else {
            throw ClusterError(text: "scripts/slurm-cluster.sh start \(folder) exited with \(status): \(err)\(out)")
        }
        return SlurmCluster(folder: folder, conf: String(line.dropFirst("export SLURM_CONF=".count)))
    }

    func stop() {
        _ = SlurmCluster.run("/bin/bash", [SlurmCluster.script, "stop", folder])
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs a Slurm tool against this cluster: its status and output.
    @discardableResult
    func slurm(_ tool: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let (status, out, err) = SlurmCluster.run("/usr/bin/\(tool)", arguments, environment: environment)
        return (status, out + err)
    }

    /// Runs a program to its end: its status, standard output and standard error. Started with
    /// posix_spawn rather than Foundation's Process, which on Linux learns that a child ended when
    /// a socket the child inherited closes: the daemons the cluster script starts would inherit it
    /// and keep it open. Here the program keeps no descriptor but its standard ones.
    static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:]) -> (Int32, String, String) {
        let outPath = temporaryFolder("slurm-out") + "/out", errPath = outPath + ".err"
        defer { try? FileManager.default.removeItem(atPath: (outPath as NSString).deletingLastPathComponent) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let env = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }.map { "\($0.key)=\($0.value)" }
        // bash closes every other descriptor it inherited, then runs the program.
        let closing = "for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ \"$fd\" -gt 2 ] && eval \"exec $fd>&-\"; done; exec \"$@\""
        let argv = (["/bin/bash", "-c", closing, "bash", path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/bash", &actions, nil, argv, envp) == 0 else { return (-1, "", "cannot start \(path)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let outText = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let errText = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return (code, outText, errText)
    }

    struct ClusterError: Error, CustomStringConvertible {
        var text: String
        var description: String { text }
    }
}

/// Starts the cluster before the suite's tests and stops it after them.
struct SlurmClusterScope: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // Without Slurm the suite is skipped (its `.enabled(if:)` says why): nothing to start.
        guard SlurmCluster.isInstalled else { return try await function() }
        let cluster = try SlurmCluster.start()
        SlurmCluster.current = cluster
        defer {
            cluster.stop()
            SlurmCluster.current = nil
            Reference.remove()
        }
        try await function()
    }
}

extension Trait where Self == SlurmClusterScope {
    static var slurmCluster: Self { SlurmClusterScope() }
}
