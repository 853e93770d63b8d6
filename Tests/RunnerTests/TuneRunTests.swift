// `exp tune` end to end on tiny synthetic specs: trials never record a test metric or a
// prediction (their jobs never load the test fold), weak trials stop at the first rung and the
// promoted ones resume from their checkpoints, the choice goes into a spec with its tuning
// section, and a tune killed with SIGKILL and run again makes the same choices with the same bits.

import Foundation
import GRDB
import RunLog
import Spec
import Testing

func tuneArguments(_ spec: String, results: String, local: Bool = true) -> [String] {
    ["tune", spec, "--set", "protocol.validation=0.25", "--space", "model.adam.lr=log(1e-4,3e-3)", "--space", "model.batchSize=8,16",
     "--trials", "4", "--folds", "1", "--min-epochs", "2", "--results", results] + (local ? ["--jobs", "2"] : [])
}

/// Every rung row of a tune's log (model, trial, rung, epochs, score, promoted), and every metric.
func tuneRecord(_ results: String) throws -> (rungs: [String], metrics: [String]) {
    let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
    let rungs = try store.query("""
        SELECT tt.model_name || '/' || tt.trial || '/' || r.rung || '/' || r.epochs || '/' || quote(r.score) || '/' || r.promoted AS row
        FROM tune_rungs r JOIN tune_trials tt ON tt.id = r.trial_id ORDER BY tt.model_name, tt.trial, r.rung
        """).map { String.fromDatabaseValue($0["row"]!)! }
    let metrics = try store.query("""
        SELECT e.name || '/' || j.fold || '/' || m.key || '/' || m.epoch || '/' || quote(m.value) AS row
        FROM metrics m JOIN jobs j ON j.id = m.job_id JOIN experiments e ON e.id = j.experiment_id ORDER BY row
        """).map { String.fromDatabaseValue($0["row"]!)! }
    return (rungs, metrics)
}

@Test func aTuneScoresOnValidationOnlyAndHandsItsChoiceToASpec() throws {
    let folder = temporaryFolder("tune")
    let spec = try tinySpec(in: folder, epochs: 6)
    let results = (folder as NSString).appendingPathComponent("results")
    let chosen = (folder as NSString).appendingPathComponent("chosen.json")
    let run = try runCapturing(expExecutable, tuneArguments(spec, results: results) + ["--write-spec", chosen])
    #expect(run.normal && run.status == 0, "\(run.out)\n\(run.err)")
    #expect(run.out.contains("chosen: trial"))

    let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
    let count = { (sql: String) in try Int.fromDatabaseValue(store.query(sql)[0]["n"]!)! }
    // The structural guarantee: no trial job has a test metric or a prediction.
    #expect(try count("SELECT COUNT(*) AS n FROM tune_trials") == 8)
    #expect(try count("""
        SELECT COUNT(*) AS n FROM metrics m JOIN jobs j ON j.id = m.job_id JOIN tune_trials t ON t.experiment_id = j.experiment_id
        WHERE m.key = 'accuracy.test'
        """) == 0)
    #expect(try count("SELECT COUNT(*) AS n FROM predictions") == 0)
    #expect(try count("""
        SELECT COUNT(*) AS n FROM metrics m JOIN jobs j ON j.id = m.job_id WHERE m.key = 'accuracy.validation'
        """) > 0)
    // Weak trials stop at the first rung (epoch 2); promoted ones trained on to epoch 6, resumed.
    #expect(try count("SELECT COUNT(*) AS n FROM tune_rungs WHERE rung = 0") == 8)
    let promoted = try count("SELECT COUNT(*) AS n FROM tune_rungs WHERE rung = 0 AND promoted = 1")
    #expect(promoted >= 2 && promoted < 8)
    #expect(try count("SELECT COUNT(*) AS n FROM tune_rungs WHERE rung = 1") == promoted)
    #expect(try count("SELECT COUNT(*) AS n FROM jobs WHERE status = 'interrupted'") == 8 - promoted)
    #expect(try count("SELECT COUNT(*) AS n FROM jobs WHERE status = 'completed' AND attempts >= 2") == promoted)

    // The tune's report: each trial's rungs and the choice; in HTML a plot of each key.
    let report = try runCapturing(expExecutable, ["report", "--tune", "tiny", "--results", results])
    #expect(report.status == 0 && report.out.contains("chosen: trial") && report.out.contains("model.batchSize against the score"))
    let html = try runCapturing(expExecutable, ["report", "--tune", "tiny", "--results", results, "--format", "html"])
    #expect(html.status == 0 && html.out.contains("<svg") && html.out.contains("score against model.adam.lr"))
    // exp ls lists the tune on one line instead of its eight trial experiments.
    let ls = try runCapturing(expExecutable, ["ls", "--results", results])
    #expect(ls.status == 0 && ls.out.contains("tunes (") && !ls.out.contains("tiny tune HA-GAN #3"))
    #expect(ls.out.contains("CNN(baseline) #"))

    // The written spec: the tiny spec with each model's chosen values and how they were chosen.
    let written = try SpecLoader.load(path: chosen).spec
    #expect(written.name == "tiny-tuned")
    #expect(written.protocol.test && written.protocol.useFolds == nil)
    let notes = try #require(written.tuning)
    #expect(notes.map(\.model) == ["CNN(baseline)", "HA-GAN"])
    #expect(notes.allSatisfy { $0.trials == 4 && $0.rungs == [2, 6] })
    for note in notes {
        let model = try #require(written.models.first { $0.name == note.model })
        #expect(note.chosen.contains("model.batchSize=\(model.batchSize)"))
    }
}

@Test func aTuneKilledAndRunAgainMakesTheSameChoices() throws {
    let folder = temporaryFolder("tune-kill")
    let spec = try tinySpec(in: folder, epochs: 6)
    let reference = (folder as NSString).appendingPathComponent("reference")
    let straight = try runCapturing(expExecutable, tuneArguments(spec, results: reference))
    #expect(straight.normal && straight.status == 0, "\(straight.out)\n\(straight.err)")

    let results = (folder as NSString).appendingPathComponent("killed")
    let victim = try runExp(tuneArguments(spec, results: results))
    // Kill it (and its workers) once a few trials have a first-rung score.
    let database = ResultsLayout(root: results).database
    let deadline = Date().addingTimeInterval(120)
    var scored = 0
    while Date() < deadline, scored < 3 {
        Thread.sleep(forTimeInterval: 0.1)
        if FileManager.default.fileExists(atPath: database), let store = try? RunStore(path: database, readOnly: true),
           let rows = try? store.query("SELECT COUNT(*) AS n FROM tune_rungs"), let n = rows.first?["n"].flatMap({ Int.fromDatabaseValue($0) }) {
            scored = n
        }
    }
    #expect(scored >= 3, "the tune did not get going")
    kill(-victim.processIdentifier, SIGKILL)
    victim.waitUntilExit()
    #expect(victim.terminationReason == .uncaughtSignal)
    let resumed = try runCapturing(expExecutable, tuneArguments(spec, results: results))
    #expect(resumed.normal && resumed.status == 0, "\(resumed.out)\n\(resumed.err)")
    let a = try tuneRecord(reference), b = try tuneRecord(results)
    #expect(!a.rungs.isEmpty)
    #expect(a.rungs == b.rungs)
    #expect(a.metrics == b.metrics)
    let choices = { (out: String) in out.split(separator: "\n").filter { $0.contains("chosen:") } }
    #expect(choices(straight.out) == choices(resumed.out))
}

/// No two trials of a model are one experiment: a repeated draw is drawn again, and a space with
/// fewer settings than trials is an error before anything runs.
@Test func aSpaceWithFewerSettingsThanTrialsIsRefused() throws {
    let folder = temporaryFolder("tune-small")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let spec = try tinySpec(in: folder, epochs: 2)
    let results = (folder as NSString).appendingPathComponent("results")
    let refused = try runCapturing(expExecutable, ["tune", spec, "--set", "protocol.validation=0.25", "--space", "model.batchSize=8,16",
                                                   "--trials", "3", "--model", "CNN(baseline)", "--results", results])
    #expect(refused.status != 0 && refused.err.contains("2 distinct settings, fewer than --trials 3"), "\(refused.err)")
    #expect(!FileManager.default.fileExists(atPath: results), "a refused tune left a results folder")
}
