// The run log's experiments: registration with provenance and class names, and lookup by name or
// spec-hash prefix.

import Foundation
import GRDB
import Spec

extension RunStore {
    /// Registers an experiment, or finds it when its spec hash is already there (the stored
    /// provenance is then kept). `classNames` name the labels in order; by default those of the
    /// spec's class set. Returns its id and whether it was created now.
    @discardableResult
    public func registerExperiment(_ spec: LoadedSpec, provenance: Provenance, classNames: [String]? = nil) throws -> (id: Int64, created: Bool) {
        let classNames = classNames ?? spec.spec.dataset.classes.names
        return try write { db in
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM experiments WHERE spec_hash = ?", arguments: [spec.hash]) {
                return (id, false)
            }
            let overrides = try String(decoding: JSONEncoder().encode(spec.overrides), as: UTF8.self)
            try db.execute(
                sql: """
                    INSERT INTO experiments (name, spec_hash, spec_json, spec_version, overrides_json, table_name,
                        dataset_kind, tool_version, git_commit, git_dirty, os, cpu, blas_config, blas_threads, dataset_fingerprint,
                        face_alignment, numerics_mode, numerics_version, machine_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    spec.spec.name, spec.hash, spec.canonicalJSON, spec.spec.specVersion, overrides,
                    spec.spec.table.rawValue, spec.spec.dataset.kind.rawValue, provenance.toolVersion,
                    provenance.gitCommit, provenance.gitDirty, provenance.os, provenance.cpu, provenance.blasConfig,
                    provenance.blasThreads, provenance.datasetFingerprint, provenance.faceAlignment,
                    spec.spec.numerics.mode.rawValue, spec.spec.numerics.version, provenance.machine,
                ])
            let id = db.lastInsertedRowID
            for (label, name) in classNames.enumerated() {
                try db.execute(sql: "INSERT INTO labels (experiment_id, label, name) VALUES (?, ?, ?)", arguments: [id, label, name])
            }
            return (id, true)
        }
    }

    /// All experiments, oldest first.
    public func experiments() throws -> [ExperimentRecord] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM experiments ORDER BY id").map(RunStore.experiment) }
    }

    /// The experiment with this name, or with this hash (or a unique hash prefix of 4+ hex
    /// digits). Several experiments with the name are an error listing them (hash, created, jobs
    /// done), unless `latest` asks for the newest of them.
    public func experiment(matching key: String, latest: Bool = false) throws -> ExperimentRecord {
        try read { db in
            // A name first; else a spec-hash prefix of 4 or more characters naming one experiment.
            let named = try Row.fetchAll(db, sql: "SELECT * FROM experiments WHERE name = ? ORDER BY id DESC", arguments: [key])
            if named.count > 1 && !latest {
                let candidates = try named.reversed().map { row -> String in
                    let id: Int64 = row["id"]
                    let hash: String = row["spec_hash"]
                    let created: String = row["created_at"]
                    let done = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE experiment_id = ? AND status = 'completed'", arguments: [id]) ?? 0
                    let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE experiment_id = ?", arguments: [id]) ?? 0
                    return "\(hash.prefix(12)) (created \(created.prefix(16).replacingOccurrences(of: "T", with: " ")), \(done) of \(total) jobs done)"
                }
                throw RunLogError.ambiguousExperiment(key, candidates: candidates)
            }
            if let row = named.first { return try RunStore.experiment(row) }
            let byHash = key.count >= 4
                ? try Row.fetchAll(db, sql: "SELECT * FROM experiments WHERE spec_hash LIKE ? || '%'", arguments: [key.lowercased()]) : []
            if byHash.count == 1 { return try RunStore.experiment(byHash[0]) }
            let known = try Row.fetchAll(db, sql: "SELECT name, spec_hash FROM experiments ORDER BY id").map { row -> String in
                let hash: String = row["spec_hash"]
                return "\(row["name"] as String) (\(hash.prefix(12)))"
            }
            throw RunLogError.unknownExperiment(key, known: known)
        }
    }

    static func experiment(_ row: Row) throws -> ExperimentRecord {
        let overridesText: String = try row.decode(forColumn: "overrides_json")
        let overrides = (try? JSONDecoder().decode([String].self, from: Data(overridesText.utf8))) ?? []
        return ExperimentRecord(
            id: try row.decode(forColumn: "id"), name: try row.decode(forColumn: "name"), specHash: try row.decode(forColumn: "spec_hash"), specJSON: try row.decode(forColumn: "spec_json"),
            tableName: try row.decode(forColumn: "table_name"), datasetKind: try row.decode(forColumn: "dataset_kind"), createdAt: try row.decode(forColumn: "created_at"), overrides: overrides,
            provenance: Provenance(
                toolVersion: try row.decode(forColumn: "tool_version"), gitCommit: try row.decode(forColumn: "git_commit"), gitDirty: try row.decode(forColumn: "git_dirty"), os: try row.decode(forColumn: "os"),
                cpu: try row.decode(forColumn: "cpu"), blasConfig: try row.decode(forColumn: "blas_config"), blasThreads: try row.decode(forColumn: "blas_threads"),
                datasetFingerprint: try row.decode(forColumn: "dataset_fingerprint"),
                faceAlignment: try row.decode(forColumn: "face_alignment"), machine: row["machine_json"]),
            numerics: (row["numerics_mode"] as String?).flatMap { mode in (row["numerics_version"] as Int?).map { "\(mode) v\($0)" } })
    }

    /// The BLAS threads per job an experiment computes with: its jobs' bits depend on them (OpenBLAS
    /// splits a GEMM's sums among its threads), so a run with another count is refused once a job
    /// has trained. Before any has, the count is that of the run that starts one (set here).
    public func settleThreads(experimentID: Int64, threads: Int) throws -> (recorded: Int, started: Bool) {
        try write { db in
            let recorded = try Int.fetchOne(db, sql: "SELECT blas_threads FROM experiments WHERE id = ?", arguments: [experimentID]) ?? threads
            let started = try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM jobs WHERE experiment_id = ? AND (epochs_done > 0 OR status = 'completed'))
                """, arguments: [experimentID]) ?? false
            if !started && recorded != threads {
                try db.execute(sql: "UPDATE experiments SET blas_threads = ? WHERE id = ?", arguments: [threads, experimentID])
            }
            return (started ? recorded : threads, started)
        }
    }
}
