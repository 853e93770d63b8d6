// The plan as `exp plan` and `exp run` print it: the data, one row per model, where the time
// figures come from, the run's wall time and core-hours, memory and disk.

import Foundation
import NN
import RunLog

extension RunPlan {
    /// "AMD EPYC (avx512)", the CPU the figures are for.
    var cpuText: String {
        let cpu = Machine.cpu
        return "\(cpu.name.isEmpty ? "this CPU" : cpu.name) (\(cpu.widestISA))"
    }

    /// The plan's lines, for the terminal.
    public var lines: [String] {
        var out: [String] = []
        for (name, d) in data.sorted(by: { $0.key < $1.key }) {
            out.append("data\(data.count > 1 ? " of \(name)" : ""): \(d.images) images (\(d.source)); per job \(d.train) training, "
                       + "\(d.validation > 0 ? "\(d.validation) validation, " : "")\(d.test) test images")
        }
        let rows = models.filter { $0.jobs > 0 }
        guard !rows.isEmpty else { return out + ["nothing to run: every selected job has finished"] }
        let several = Set(models.map(\.experiment)).count > 1
        var table = [["model", "jobs", "epochs", "batches/epoch", "per epoch", "per job", "memory/job", "checkpoint"]]
        for m in rows {
            table.append([(several ? "\(m.experiment): " : "") + m.name, m.jobs == m.jobsTotal ? "\(m.jobs)" : "\(m.jobs) of \(m.jobsTotal)",
                          "\(m.epochsPerJob)", "\(m.batchesPerEpoch)", durationText(m.secondsPerEpoch.value), durationText(m.secondsPerJob),
                          Bytes.text(Int(m.peakMemory.value)), Bytes.text(m.checkpointBytes)])
        }
        let widths = table[0].indices.map { c in table.map { $0[c].count }.max()! }
        for row in table {
            out.append("  " + row.enumerated().map { c, cell in c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[c] - cell.count) + cell }.joined(separator: "  "))
        }
        for m in rows { out.append("  \(several ? "\(m.experiment): " : "")\(m.name) per epoch: \(m.secondsPerEpoch.source); memory: \(m.peakMemory.source)") }
        let jobs = rows.reduce(0) { $0 + $1.jobs }
        let at: String
        if slurm {
            at = parallel.map { "\($0) Slurm tasks at once (queue waits not included)" } ?? "every Slurm task at once (queue waits not included)"
        } else {
            at = "\(parallel ?? 1) job(s) at once on \(cores) core(s)" + (contention > 1 ? String(format: ", each slowed %.2gx by sharing them", contention) : "")
        }
        out.append("time: about \(durationText(wallSeconds)) for \(jobs) job(s), \(at); \(String(format: "%.3g", coreHours)) core-hours "
                   + "(\(threadsPerJob) BLAS thread(s) per job) on \(cpuText)")
        out.append("memory: about \(Bytes.text(peakMemoryPerJob)) per job at its peak"
                   + (slurm ? "" : ", \(Bytes.text(peakMemoryPerJob * min(parallel ?? 1, jobs))) for \(min(parallel ?? 1, jobs)) at once; this machine has \(Bytes.text(machineMemory))"))
        let parts = [("checkpoints", checkpointBytes), ("sample grids", sampleGridBytes), ("face cache", faceCacheBytes), ("run log", runLogBytes)]
            .map { "\($0.0) \(Bytes.text($0.1))" }.joined(separator: ", ")
        out.append("disk: this run adds about \(Bytes.text(diskAtEnd)) (\(parts)), \(Bytes.text(diskAtPeak)) at its peak; "
                   + (freeBytes.map { "\(Bytes.text($0)) free in \(folder)" } ?? "free space of \(folder) unknown"))
        if slurm { out.append("slurm: per task --time \(slurmTimeLimit) --mem \(slurmMemory) (the estimate x 1.5, plus 10 minutes of time)") }
        return out
    }
}
