// The run log: migrations on a fresh file, refusal of a newer schema without touching the file,
// the job lifecycle, NaN/inf metrics, and the views on a hand-computed fixture.

import Foundation
import GRDB
import RunLog
import Spec
import TestSupport
import Testing
import Vocabulary

let testProvenance = Provenance(
    toolVersion: "test", gitCommit: "abc123", gitDirty: true, os: "Linux", cpu: "test cpu", blasConfig: "OpenBLAS test",
    blasThreads: 1, datasetFingerprint: nil,
    faceAlignment: #"{"detected":10,"images":12,"method":"auto","noFace":[],"noFaceCount":2,"noFacePolicy":"skip"}"#)

func openStore(in folder: TemporaryFolder) throws -> (RunStore, String) {
    let path = folder.path + "/runs.sqlite"
    return (try RunStore(path: path), path)
}

/// SQL undoing each migration after v1 (see `RunLogSchema`).
private let undoMigration: [Int: String] = [
    2: "DROP INDEX metrics_by_epoch",
    3: "ALTER TABLE experiments DROP COLUMN face_alignment",
    4: "DROP TABLE executions",
    5: "DROP TABLE sweep_experiments; DROP TABLE sweeps",
    6: """
        DROP TABLE attempts; DROP INDEX jobs_by_hash; ALTER TABLE jobs DROP COLUMN reused_from; ALTER TABLE jobs DROP COLUMN job_hash;
        ALTER TABLE experiments DROP COLUMN machine_json; ALTER TABLE experiments DROP COLUMN numerics_version;
        ALTER TABLE experiments DROP COLUMN numerics_mode
        """,
    7: "DROP TRIGGER executions_keep_earlier_attempts; DROP TABLE execution_history",
    8: """
        DROP VIEW tune_trial_scores; DROP TABLE tune_rungs; DROP TABLE tune_trials; DROP TABLE tunes;
        DROP VIEW best_epochs; DROP VIEW fold_comparison; DROP VIEW model_accuracy; DROP VIEW model_run_accuracy;
        CREATE VIEW model_run_accuracy AS
        SELECT a.experiment_id, a.model_name, a.model_kind, a.run, COUNT(*) AS folds,
               (SELECT COUNT(*) FROM jobs j WHERE j.experiment_id = a.experiment_id AND j.model_name = a.model_name AND j.run = a.run) AS folds_planned,
               SUM(a.samples) AS samples, SUM(a.correct) AS correct, CAST(SUM(a.correct) AS REAL) / SUM(a.samples) AS accuracy
        FROM job_accuracy a WHERE a.status = 'completed' GROUP BY a.experiment_id, a.model_name, a.run;
        CREATE VIEW model_accuracy AS
        SELECT r.experiment_id, r.model_name, r.model_kind, COUNT(*) AS runs, SUM(r.folds) AS folds, SUM(r.samples) AS samples,
               m.mean AS mean_accuracy,
               CASE WHEN COUNT(*) > 1 THEN sqrt(SUM((r.accuracy - m.mean) * (r.accuracy - m.mean)) / (COUNT(*) - 1)) END AS std_accuracy
        FROM model_run_accuracy r
        JOIN (SELECT experiment_id, model_name, AVG(accuracy) AS mean FROM model_run_accuracy GROUP BY experiment_id, model_name) m
          ON m.experiment_id = r.experiment_id AND m.model_name = r.model_name
        GROUP BY r.experiment_id, r.model_name
        """,
]

/// Turns the log at `path` (closed) back into what a build of schema `version` left: the later
/// migrations undone, newest first, and forgotten.
func downgradeLog(at path: String, to version: Int) throws {
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in
        for v in stride(from: RunLogSchema.version, to: version, by: -1) {
            try db.execute(sql: "\(undoMigration[v]!); DELETE FROM grdb_migrations WHERE identifier = 'v\(v)'")
        }
        try db.execute(sql: "PRAGMA user_version = \(version)")
    }
    try queue.close()
}

func registerMinimal(_ store: RunStore, overrides: [String] = []) throws -> (Int64, [JobRecord]) {
    let loaded = try SpecLoader.load(text: minimalSpec, overrides: ["protocol.folds=2", "protocol.runs=2"] + overrides)
    let (id, _) = try store.registerExperiment(loaded, provenance: testProvenance, classNames: ["anger", "disgust", "fear"])
    return (id, try store.upsertJobs(experimentID: id, plan(loaded.spec)))
}

@Test func freshFileIsMigratedToWALAndVersion1() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, path) = try openStore(in: folder)
    let tables = try store.query("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name").compactMap { String.fromDatabaseValue($0["name"]!) }
    for name in ["experiments", "jobs", "metrics", "predictions", "artifacts", "fold_assignments", "labels",
                 "job_accuracy", "model_run_accuracy", "model_accuracy", "per_class_accuracy", "learning_curves"] {
        #expect(tables.contains(name), "\(name)")
    }
    #expect(try store.query("PRAGMA user_version").first?["user_version"] == RunLogSchema.version.databaseValue)
    #expect(try store.query("SELECT identifier FROM grdb_migrations ORDER BY identifier").compactMap { String.fromDatabaseValue($0["identifier"]!) } == ["v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8"])
    #expect(try store.query("PRAGMA journal_mode").first?["journal_mode"] == "wal".databaseValue)
    try store.close()
    // Reopening applies nothing new and keeps the data.
    let again = try RunStore(path: path)
    let (id, jobs) = try registerMinimal(again)
    #expect(jobs.count == 4)
    let readOnly = try RunStore(path: path, readOnly: true)
    #expect(try readOnly.jobs(experimentID: id).count == 4)
    try readOnly.close()
    // A reader also opens the log when no writer has it open.
    try again.close()
    let alone = try RunStore(path: path, readOnly: true)
    #expect(try alone.statusSummary(experimentID: id).total == 4)
    #expect(throws: RunLogError.readOnly(path: path)) { try alone.transition(jobID: jobs[0].id, to: .running) }
}

@Test func newerSchemaIsRefusedAndTheFileLeftUntouched() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, path) = try openStore(in: folder)
    _ = try registerMinimal(store)
    try store.close()
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in
        try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v\(RunLogSchema.version + 1)')")
        try db.execute(sql: "PRAGMA user_version = \(RunLogSchema.version + 1)")
    }
    try queue.close()
    let walBefore = try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    let expected = RunLogError.newerSchema(
        path: path, found: RunLogSchema.version + 1, supported: RunLogSchema.version, unknownMigrations: [])
    #expect(throws: expected) { try RunStore(path: path) }
    #expect(throws: expected) { try RunStore(path: path, readOnly: true) }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    #expect((try? Data(contentsOf: URL(fileURLWithPath: path + "-wal"))) == walBefore)
    #expect(expected.description.contains("newer exp"))
}

@Test func newerMigrationWithOldVersionNumberIsRefusedToo() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, path) = try openStore(in: folder)
    _ = try registerMinimal(store)
    try store.close()
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-experimental')") }
    try queue.close()
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(throws: RunLogError.newerSchema(
        path: path, found: RunLogSchema.version, supported: RunLogSchema.version, unknownMigrations: ["v9-experimental"])) {
        try RunStore(path: path)
    }
    let after = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(after == before)
    #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
}

/// A log written by the first schema (v1 only, as the first merged build wrote it) is migrated to
/// the current version on open, its data kept.
@Test func olderLogIsMigratedForward() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, path) = try openStore(in: folder)
    let (experimentID, jobs) = try registerMinimal(store)
    try store.recordEpoch(jobID: jobs[0].id, epoch: 1, metrics: ["loss": 1])
    try store.close()
    try downgradeLog(at: path, to: 1)
    #expect(throws: RunLogError.self) { try RunStore(path: path, readOnly: true) }
    let upgraded = try RunStore(path: path)
    #expect(try upgraded.query("PRAGMA user_version").first?["user_version"] == RunLogSchema.version.databaseValue)
    #expect(try upgraded.query("SELECT name FROM sqlite_master WHERE name IN ('metrics_by_epoch', 'executions', 'sweeps', 'sweep_experiments')").count == 4)
    // v3's column is there, empty for the experiment registered before it.
    #expect(try upgraded.experiments().map(\.provenance.faceAlignment) == [nil as String?])
    #expect(try upgraded.metrics(jobID: jobs[0].id).map(\.value) == [1])
    #expect(try upgraded.jobs(experimentID: experimentID).count == 4)
}

@Test func otherFilesAreNotRunLogs() throws {
    let tmp = try TemporaryFolder()
    defer { tmp.remove() }
    let folder = tmp.path
    let garbage = folder + "/runs.sqlite"
    try Data("this is not a database, just text that is long enough to be read".utf8).write(to: URL(fileURLWithPath: garbage))
    let before = try Data(contentsOf: URL(fileURLWithPath: garbage))
    #expect(throws: RunLogError.self) { try RunStore(path: garbage) }
    #expect(try Data(contentsOf: URL(fileURLWithPath: garbage)) == before)
    let foreign = folder + "/foreign.sqlite"
    let queue = try DatabaseQueue(path: foreign)
    try queue.write { db in try db.execute(sql: "CREATE TABLE t (x)") }
    try queue.close()
    #expect(throws: RunLogError.self) { try RunStore(path: foreign) }
    #expect(throws: RunLogError.missing(path: folder + "/none.sqlite")) { try RunStore(path: folder + "/none.sqlite", readOnly: true) }
    let blocked = garbage + "/runs.sqlite"
    #expect(throws: RunLogError.unwritable(path: blocked, reason: "the folder \(garbage) does not exist or is not a folder")) {
        try RunStore(path: blocked)
    }
}

@Test func registrationIsIdempotentOnHash() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, _) = try openStore(in: folder)
    let (first, jobs) = try registerMinimal(store)
    try store.transition(jobID: jobs[0].id, to: .running)
    let (second, jobsAgain) = try registerMinimal(store)
    #expect(first == second)
    #expect(jobsAgain.map(\.id) == jobs.map(\.id))
    #expect(jobsAgain[0].status == .running)
    let (third, _) = try registerMinimal(store, overrides: ["seed=9"])
    #expect(third != first)
    #expect(try store.experiments().count == 2)
    // A name two experiments share is an error listing them, unless the newest is asked for.
    #expect(throws: RunLogError.self) { try store.experiment(matching: "t") }
    let record = try store.experiment(matching: "t", latest: true)
    #expect(record.id == third)
    #expect(try store.experiment(matching: String(record.specHash.prefix(8))).id == third)
    // Four hex digits are enough when they name one experiment.
    let four = String(record.specHash.prefix(4))
    if try store.experiments().filter({ $0.specHash.hasPrefix(four) }).count == 1 {
        #expect(try store.experiment(matching: four).id == third)
    }
    #expect(record.provenance == testProvenance)
    let labels = try store.query("SELECT name FROM labels WHERE experiment_id = ? ORDER BY label", arguments: [third])
    #expect(labels.compactMap { String.fromDatabaseValue($0["name"]!) } == ["anger", "disgust", "fear"])
    let (defaulted, _) = try store.registerExperiment(try SpecLoader.load(text: minimalSpec, overrides: ["seed=10", "dataset.classes=basic6+contempt"]), provenance: testProvenance)
    let defaultLabels = try store.query("SELECT name FROM labels WHERE experiment_id = ? ORDER BY label", arguments: [defaulted])
    #expect(defaultLabels.compactMap { String.fromDatabaseValue($0["name"]!) } == ClassSet.basic6Contempt.names)
    #expect(ClassSet.basic6Contempt.names.count == 7 && ClassSet.basic7.names.last == "neutral")
    #expect(record.overrides == ["protocol.folds=2", "protocol.runs=2", "seed=9"])
    let unknown = #expect(throws: RunLogError.self) { try store.experiment(matching: "nope") }
    #expect(unknown?.description.contains("the run log has: ") == true && unknown?.description.contains("(\(record.specHash.prefix(12)))") == true)
}

@Test func jobLifecycleIsValidated() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, _) = try openStore(in: folder)
    let (experimentID, jobs) = try registerMinimal(store)
    let id = jobs[0].id
    #expect(throws: RunLogError.illegalTransition(jobID: id, from: .pending, to: .completed)) {
        try store.transition(jobID: id, to: .completed)
    }
    try store.transition(jobID: id, to: .running)
    try store.transition(jobID: id, to: .failed, error: "worker exited with status 1")
    #expect(try store.job(id: id).error == "worker exited with status 1")
    try store.transition(jobID: id, to: .running)
    #expect(try store.job(id: id).attempts == 2)
    #expect(try store.job(id: id).error == nil)
    try store.recordEpoch(jobID: id, epoch: 1, metrics: ["loss": 2])
    try store.recordEpoch(jobID: id, epoch: 2, metrics: ["loss": 1])
    try store.resume(jobID: id, fromEpoch: 1)
    #expect(try store.metrics(jobID: id).map(\.epoch) == [1])
    #expect(try store.job(id: id).epochsDone == 1)
    try store.finish(jobID: id, status: .completed, predictions: [
        Prediction(sampleIndex: 0, sampleID: "s0", subject: "S1", trueLabel: 0, predictedLabel: 0, probabilities: [0.9, 0.1, 0])
    ])
    let done = try store.job(id: id)
    #expect(done.status == .completed)
    #expect(done.finishedAt != nil)
    #expect(try store.finalPredictions(jobID: id).map(\.probabilities) == [[0.9, 0.1, 0]])
    #expect(throws: RunLogError.illegalTransition(jobID: id, from: .completed, to: .running)) {
        try store.transition(jobID: id, to: .running)
    }
    // A finish that is not allowed writes nothing.
    #expect(throws: RunLogError.self) {
        try store.finish(jobID: jobs[1].id, status: .completed, predictions: [
            Prediction(sampleIndex: 0, sampleID: "s", subject: "S", trueLabel: 0, predictedLabel: 0, probabilities: [1])
        ])
    }
    #expect(try store.finalPredictions(jobID: jobs[1].id).isEmpty)
    // Jobs left running by a dead coordinator become interrupted.
    try store.transition(jobID: jobs[1].id, to: .running)
    #expect(try store.interruptStaleJobs(experimentID: experimentID) == 1)
    #expect(try store.job(id: jobs[1].id).status == .interrupted)
    let summary = try store.statusSummary(experimentID: experimentID)
    #expect(summary.counts == [.completed: 1, .interrupted: 1, .pending: 2])
    #expect(summary.jobs[0].latestMetrics == ["loss": 2])
    #expect(throws: RunLogError.unknownJob(jobID: 999)) { try store.transition(jobID: 999, to: .running) }
}

@Test func nonFiniteMetricsRoundTrip() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, path) = try openStore(in: folder)
    let (_, jobs) = try registerMinimal(store)
    let points = [
        MetricPoint(key: "loss", epoch: 1, step: 10, value: .nan),
        MetricPoint(key: "loss", epoch: 2, step: 20, value: .infinity),
        MetricPoint(key: "loss", epoch: 3, step: 30, value: -.infinity),
        MetricPoint(key: "loss", epoch: 4, step: 40, value: 0.25),
        MetricPoint(key: "loss", epoch: 5, step: 50, value: -0.0),
    ]
    try store.appendMetrics(jobID: jobs[0].id, points, epochsDone: 5)
    let back = try RunStore(path: path, readOnly: true).metrics(jobID: jobs[0].id)
    #expect(back.count == points.count)
    for (a, b) in zip(points, back) { #expect(a.isSame(as: b), "\(a) vs \(b)") }
    #expect(back[0].value.isNaN)
    let raw = try store.query("SELECT value, is_nan FROM metrics WHERE epoch = 1")
    #expect(raw.first?["value"] == .null)
    #expect(raw.first?["is_nan"] == 1.databaseValue)
    // Replaying a point replaces it rather than duplicating it.
    try store.appendMetrics(jobID: jobs[0].id, [MetricPoint(key: "loss", epoch: 1, step: 10, value: 3)])
    #expect(try store.metrics(jobID: jobs[0].id).count == points.count)
    #expect(try store.metrics(jobID: jobs[0].id)[0].value == 3)
    // NaN probabilities of a diverged model are stored as null and read back as NaN.
    try store.writePredictions(jobID: jobs[0].id, epoch: 5, [
        Prediction(sampleIndex: 0, sampleID: "a", subject: "S", trueLabel: 0, predictedLabel: 1, probabilities: [.nan, 0.5])
    ])
    let p = try store.finalPredictions(jobID: jobs[0].id)
    #expect(p[0].probabilities[0].isNaN && p[0].probabilities[1] == 0.5)
}

@Test func foldAssignmentsAndArtifacts() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, _) = try openStore(in: folder)
    let (experimentID, jobs) = try registerMinimal(store)
    try store.recordFoldAssignments(experimentID: experimentID, run: 0, ["S1": 0, "S2": 1, "S3": 0])
    try store.recordFoldAssignments(experimentID: experimentID, run: 0, ["S1": 0, "S2": 1, "S3": 0])
    #expect(try store.foldAssignments(experimentID: experimentID, run: 0) == ["S1": 0, "S2": 1, "S3": 0])
    #expect(throws: RunLogError.foldAssignmentConflict(experimentID: experimentID, run: 0, subject: "S2", stored: 1, new: 0)) {
        try store.recordFoldAssignments(experimentID: experimentID, run: 0, ["S2": 0])
    }
    try store.recordArtifact(jobID: jobs[0].id, kind: "checkpoint", path: "checkpoints/1.ckpt", epoch: 1)
    try store.recordArtifact(jobID: jobs[0].id, kind: "checkpoint", path: "checkpoints/1.ckpt", epoch: 2)
    try store.recordArtifact(jobID: jobs[0].id, kind: "samples", path: "samples/1-e2.png", epoch: 2)
    let artifacts = try store.artifacts(jobID: jobs[0].id)
    #expect(artifacts.count == 2)
    #expect(artifacts.first { $0.kind == "checkpoint" }?.epoch == 2)
}

@Test func aValueOfTheWrongTypeIsAnErrorNotACrash() throws {
    // A log edited by hand: a metric value set to text. Every reader says so and names the file.
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, path) = try openStore(in: folder)
    let (id, jobs) = try registerMinimal(store)
    try store.recordEpoch(jobID: jobs[0].id, epoch: 1, metrics: ["loss": 0.5])
    try store.close()
    let queue = try DatabaseQueue(path: path)
    try queue.write { db in try db.execute(sql: "UPDATE metrics SET value = 'not a number'") }
    try queue.close()
    let reader = try RunStore(path: path, readOnly: true)
    defer { try? reader.close() }
    #expect(throws: RunLogError.self) { try reader.statusSummary(experimentID: id) }
    #expect(throws: RunLogError.self) { try reader.metrics(jobID: jobs[0].id) }
}

/// Metric rows are written many to a statement with their time made in Swift: every value (NaN
/// and infinities included) reads back, replacing a point keeps one row, and `recorded_at` is in
/// the format of SQLite's own default, within a second of SQLite's clock.
@Test func metricRowsWrittenManyAtOnceReadBackWithSQLitesTimeFormat() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, _) = try openStore(in: folder)
    defer { try? store.close() }
    let (_, jobs) = try registerMinimal(store)
    var points = (0..<150).map { MetricPoint(key: "k\($0)", epoch: 1, step: $0, value: Double($0) / 7) }
    points[3].value = .nan
    points[4].value = .infinity
    points[5].value = -.infinity
    points[6].key = "accuracy.validación ✓"
    try store.appendMetrics(jobID: jobs[0].id, points, epochsDone: 1)
    try store.appendMetrics(jobID: jobs[0].id, [MetricPoint(key: "k0", epoch: 1, step: 0, value: 42)])
    let back = try store.metrics(jobID: jobs[0].id)
    #expect(back.count == 150)
    let byKey = Dictionary(uniqueKeysWithValues: back.map { ($0.key, $0.value) })
    #expect(byKey["k0"] == 42)
    #expect(byKey["k3"]!.isNaN && byKey["k4"] == .infinity && byKey["k5"] == -.infinity)
    #expect(byKey["accuracy.validación ✓"] == 6.0 / 7)
    #expect((7..<150).allSatisfy { byKey["k\($0)"] == Double($0) / 7 })
    // Each column holds SQLite's type for what GRDB would have bound: integers, text, a real
    // (NULL for NaN).
    let types = try store.query("""
        SELECT DISTINCT typeof(job_id) || ',' || typeof(key) || ',' || typeof(epoch) || ',' || typeof(step) || ','
               || typeof(value) || ',' || typeof(is_nan) || ',' || typeof(recorded_at) AS types
        FROM metrics WHERE job_id = \(jobs[0].id) ORDER BY types
        """).compactMap { $0["types"].flatMap { String.fromDatabaseValue($0) } }
    #expect(types == ["integer,text,integer,integer,null,integer,text", "integer,text,integer,integer,real,integer,text"])
    #expect(try store.query("SELECT epochs_done FROM jobs WHERE id = \(jobs[0].id)").first?["epochs_done"] == 1.databaseValue)
    let rows = try store.query("""
        SELECT recorded_at, (julianday('now') - julianday(recorded_at)) * 86400.0 AS age,
               recorded_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z' AS shaped
        FROM metrics WHERE job_id = \(jobs[0].id)
        """)
    #expect(rows.count == 150)
    for row in rows {
        let age = row["age"].flatMap { Double.fromDatabaseValue($0) } ?? .infinity
        let shaped = row["shaped"].flatMap { Bool.fromDatabaseValue($0) } ?? false
        #expect(shaped && abs(age) < 1, "\(String(describing: row["recorded_at"]))")
    }
}
