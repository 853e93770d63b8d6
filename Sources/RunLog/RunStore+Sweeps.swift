// The `sweeps` and `sweep_experiments` tables (schema v5): the experiments one
// `exp run SPEC --sweep key=v1,v2,...` expanded into, with the values each takes.

import Foundation
import GRDB

/// A sweep: the spec it expanded, its options, and its experiments in order.
public struct SweepRecord: Equatable, Sendable {
    public let id: Int64
    /// SHA-256 (hex) of the base spec and the --sweep options: the sweep's identity.
    public let hash: String
    /// The spec's own name.
    public let name: String
    public let specPath: String
    /// The --sweep options as typed.
    public let options: [String]
    /// The --set overrides applied to every experiment.
    public let overrides: [String]
    public let createdAt: String
    /// Its experiments in order, with the `key=value` assignments of each.
    public let experiments: [SweepMember]
}

public struct SweepMember: Equatable, Sendable {
    public let experimentID: Int64
    public let position: Int
    public let assignments: [String]
}

extension RunStore {
    /// Records a sweep and its experiments (already registered), or finds it by its hash; members
    /// not recorded yet are added. Returns the sweep's id.
    @discardableResult
    public func registerSweep(hash: String, name: String, specPath: String, options: [String], overrides: [String],
                              experiments: [(experimentID: Int64, assignments: [String])]) throws -> Int64 {
        let encode = { (a: [String]) in String(decoding: try JSONEncoder().encode(a), as: UTF8.self) }
        let optionsJSON = try encode(options)
        let overridesJSON = try encode(overrides)
        let members = try experiments.map { ($0.experimentID, try encode($0.assignments)) }
        return try write { db in
            let id: Int64
            if let existing = try Int64.fetchOne(db, sql: "SELECT id FROM sweeps WHERE sweep_hash = ?", arguments: [hash]) {
                id = existing
            } else {
                try db.execute(sql: "INSERT INTO sweeps (sweep_hash, name, spec_path, sweep_json, overrides_json) VALUES (?, ?, ?, ?, ?)",
                               arguments: [hash, name, specPath, optionsJSON, overridesJSON])
                id = db.lastInsertedRowID
            }
            for (position, (experimentID, assignments)) in members.enumerated() {
                try db.execute(sql: """
                    INSERT INTO sweep_experiments (sweep_id, experiment_id, position, assignments_json) VALUES (?, ?, ?, ?)
                    ON CONFLICT (sweep_id, experiment_id) DO NOTHING
                    """, arguments: [id, experimentID, position, assignments])
            }
            return id
        }
    }

    /// All sweeps, oldest first.
    public func sweeps() throws -> [SweepRecord] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM sweeps ORDER BY id").map { try RunStore.sweep(db, $0) } }
    }

    /// The sweep with this hash prefix (4 or more hex digits), or the only one with this name.
    public func sweep(matching key: String) throws -> SweepRecord {
        try read { db in
            let byName = try Row.fetchAll(db, sql: "SELECT * FROM sweeps WHERE name = ? ORDER BY id", arguments: [key])
            let byHash = key.count >= 4
                ? try Row.fetchAll(db, sql: "SELECT * FROM sweeps WHERE sweep_hash LIKE ? || '%'", arguments: [key.lowercased()]) : []
            let found = byName.count == 1 ? byName : byHash
            if found.count == 1 { return try RunStore.sweep(db, found[0]) }
            let known = try Row.fetchAll(db, sql: "SELECT name, sweep_hash, sweep_json FROM sweeps ORDER BY id").map { row -> String in
                let hash: String = row["sweep_hash"]
                let options = (try? JSONDecoder().decode([String].self, from: Data((row["sweep_json"] as String).utf8))) ?? []
                return "\(hash.prefix(12)) (\(row["name"] as String): --sweep \(options.joined(separator: " --sweep ")))"
            }
            throw RunLogError.unknownSweep(key, known: known)
        }
    }

    /// The sweeps each experiment belongs to (hashes), by experiment id.
    public func sweepHashesByExperiment() throws -> [Int64: [String]] {
        try read { db in
            var out: [Int64: [String]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT se.experiment_id, s.sweep_hash FROM sweep_experiments se JOIN sweeps s ON s.id = se.sweep_id ORDER BY s.id
                """) {
                out[row["experiment_id"], default: []].append(row["sweep_hash"])
            }
            return out
        }
    }

    private static func sweep(_ db: Database, _ row: Row) throws -> SweepRecord {
        let decode = { (text: String) in (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? [] }
        let id: Int64 = try row.decode(forColumn: "id")
        let members = try Row.fetchAll(db, sql: "SELECT * FROM sweep_experiments WHERE sweep_id = ? ORDER BY position, experiment_id",
                                       arguments: [id]).map { m in
            SweepMember(experimentID: try m.decode(forColumn: "experiment_id"), position: try m.decode(forColumn: "position"),
                        assignments: decode(try m.decode(forColumn: "assignments_json")))
        }
        return SweepRecord(
            id: id, hash: try row.decode(forColumn: "sweep_hash"), name: try row.decode(forColumn: "name"),
            specPath: try row.decode(forColumn: "spec_path"), options: decode(try row.decode(forColumn: "sweep_json")),
            overrides: decode(try row.decode(forColumn: "overrides_json")), createdAt: try row.decode(forColumn: "created_at"),
            experiments: members)
    }
}
