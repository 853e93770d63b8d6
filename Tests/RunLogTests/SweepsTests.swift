// The run log's sweeps (schema v5): a v4 log (as the build before sweeps wrote it) is migrated
// forward with its experiments kept and no sweep; a sweep records its experiments in order with
// their values, registering it again adds nothing, and a sweep is found by name or hash prefix.

import Foundation
import GRDB
import RunLog
import Spec
import TestSupport
import Testing

@Test func v4LogIsMigratedToSweeps() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, path) = try openStore(in: folder)
    let (experimentID, jobs) = try registerMinimal(store)
    try store.recordEpoch(jobID: jobs[0].id, epoch: 1, metrics: ["loss": 1])
    try store.close()
    // Back to v4: what an earlier build left.
    try downgradeLog(at: path, to: 4)
    // A reader asks for the migration first; the file is not touched.
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(throws: RunLogError.self) { try RunStore(path: path, readOnly: true) }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    let upgraded = try RunStore(path: path)
    #expect(try upgraded.query("PRAGMA user_version").first?["user_version"] == RunLogSchema.version.databaseValue)
    #expect(try upgraded.query("SELECT identifier FROM grdb_migrations WHERE identifier = 'v5'").count == 1)
    #expect(try upgraded.sweeps().isEmpty)
    #expect(try upgraded.sweepHashesByExperiment().isEmpty)
    #expect(try upgraded.jobs(experimentID: experimentID).count == 4)
    #expect(try upgraded.metrics(jobID: jobs[0].id).map(\.value) == [1])
    // The migrated log takes a sweep.
    try upgraded.registerSweep(hash: "ab12cd34" + String(repeating: "0", count: 56), name: "t", specPath: "t.json",
                               options: ["seed=1,2"], overrides: [], experiments: [(experimentID, ["seed=1"])])
    let members = try upgraded.sweeps().flatMap(\.experiments)
    #expect(members.map(\.experimentID) == [experimentID] && members.map(\.position) == [0] && members.map(\.assignments) == [["seed=1"]])
}

@Test func sweepsRecordTheirExperimentsOnce() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let (store, _) = try openStore(in: folder)
    let (a, _) = try registerMinimal(store, overrides: ["seed=1"])
    let (b, _) = try registerMinimal(store, overrides: ["seed=2"])
    let hash = "5eed" + String(repeating: "7", count: 60)
    for _ in 0..<2 {
        try store.registerSweep(hash: hash, name: "t", specPath: "specs/t.json", options: ["seed=1,2"], overrides: ["protocol.folds=2"],
                                experiments: [(a, ["seed=1"]), (b, ["seed=2"])])
    }
    let sweeps = try store.sweeps()
    #expect(sweeps.count == 1)
    #expect(sweeps[0].hash == hash && sweeps[0].name == "t" && sweeps[0].specPath == "specs/t.json")
    #expect(sweeps[0].options == ["seed=1,2"] && sweeps[0].overrides == ["protocol.folds=2"])
    #expect(sweeps[0].experiments.map(\.experimentID) == [a, b])
    #expect(sweeps[0].experiments.map(\.assignments) == [["seed=1"], ["seed=2"]])
    #expect(try store.sweepHashesByExperiment() == [a: [hash], b: [hash]])
    // By name (one sweep of that name) or hash prefix; an unknown one lists the sweeps there are.
    #expect(try store.sweep(matching: "t").id == sweeps[0].id)
    #expect(try store.sweep(matching: "5EED77").id == sweeps[0].id)
    do {
        _ = try store.sweep(matching: "nope")
        Issue.record("expected an unknown sweep")
    } catch let error as RunLogError {
        #expect(error.description.contains("5eed77777777 (t: --sweep seed=1,2)"), "\(error)")
    }
    // A second sweep of the same spec name makes the name ambiguous: the hash is asked for.
    try store.registerSweep(hash: "beef" + String(repeating: "1", count: 60), name: "t", specPath: "specs/t.json",
                            options: ["seed=2,3"], overrides: [], experiments: [(b, ["seed=2"])])
    #expect(throws: RunLogError.self) { try store.sweep(matching: "t") }
    #expect(try store.sweepHashesByExperiment()[b]?.count == 2)
}
