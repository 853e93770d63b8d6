// The report model on the fixture against the hand-computed values in ReportFixture.swift; the
// incomplete experiment, the diverged job and the empty database; figures beside Markdown; and
// bad input (no database, another schema version, an unknown experiment).

import Foundation
import Report
import RunLog
import TestSupport
import Testing

func fixtureReport(experiment: String? = nil) throws -> Report {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try writeFixture(results: folder.path)
    return try ReportGenerator.load(results: folder.path, experiment: experiment).report
}

@Test func pooledAccuracyMeanAndStdMatchHandValues() throws {
    let report = try fixtureReport()
    #expect(report.tables.map(\.table) == ["ckplus", "mmi", "oulu", "none"])
    let ck = report.tables[0]
    #expect(ck.experiment?.name == "paper-fixture" && ck.experiment?.jobsCompleted == 8 && ck.experiment?.jobsTotal == 8)
    let cnn = try #require(ck.models.first { $0.name == "CNN(baseline)" })
    #expect(cnn.runAccuracies.count == 2)
    #expect(abs(cnn.runAccuracies[0] - 4.0 / 6) < 1e-12 && abs(cnn.runAccuracies[1] - 5.0 / 6) < 1e-12)
    #expect(abs(cnn.mean! - 0.75) < 1e-12 && abs(cnn.std! - 2.0.squareRoot() / 12) < 1e-12)
    #expect(cnn.folds == 4 && cnn.foldsPlanned == 4 && cnn.runs == 2 && cnn.epochs == 2 && cnn.paperAccuracy == 90.34)
    let hagan = try #require(ck.models.first { $0.name == "HA-GAN" })
    #expect(abs(hagan.mean! - 11.0 / 12) < 1e-12 && abs(hagan.std! - 2.0.squareRoot() / 12) < 1e-12)
    // Per class of the CNN: r0f0 (offset 0) truths 0,1,2,0 with the first 3 right; r0f1 (offset 1)
    // truths 1,2 with the first right; r1f0 truths 0,1,2, first 2 right; r1f1 truths 1,2,0 all right.
    // anger: 2 + 0 + 1 + 1 = 4 samples, right 1 + 1 + 1 = 3; happy: 1+1+1+1 = 4, right 4; sad: 1+1+1+1 = 4, right 1+0+0+1 = 2.
    #expect(cnn.classes.map(\.samples) == [4, 4, 4] && cnn.classes.map(\.correct) == [3, 4, 2])
    // The wrong ones are predicted as the next class: anger->happy once, sad->anger twice.
    #expect(cnn.confusion == [[3, 1, 0], [0, 4, 0], [2, 0, 2]])
    #expect(cnn.foldResults.map(\.accuracy) == [0.75, 0.5, 2.0 / 3, 1.0])
}

@Test func pairedComparisonMatchesHandValues() throws {
    let comparisons = try fixtureReport().tables[0].comparisons
    #expect(comparisons.count == 1)
    let c = try #require(comparisons.first)
    #expect(c.model == "HA-GAN" && c.baseline == "CNN(baseline)" && c.pairs == 4)
    // Differences 0.25, 0.5, 0, 0 (see ReportFixture.swift; scipy gives the same p and CI).
    #expect(abs(c.meanDifference - 0.1875) < 1e-12)
    #expect(abs(c.pValue! - 0.215170) < 1e-5)
    #expect(abs(c.ciLow! - -0.193370) < 1e-5 && abs(c.ciHigh! - 0.568370) < 1e-5)
}

@Test func everyModelIsComparedWithTheFirstCNN() throws {
    // An ablation: two HA-GAN variants and a second CNN, each against the first CNN, in spec order.
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try writeFixture(results: folder.path, partial: false)
    let store = try RunStore(path: folder.path + "/runs.sqlite")
    let (_, jobs) = try register(store, #"""
        {"specVersion": 1, "name": "ablation", "table": "none",
         "dataset": {"kind": "synthetic", "augmentation": "none", "imageSize": 40, "cropSize": 36},
         "character": {"kind": "synthetic", "characters": ["mira"]},
         "protocol": {"folds": 2, "runs": 1},
         "models": [{"name": "HA-GAN pair", "kind": "hagan", "epochs": 1}, {"name": "CNN", "kind": "cnn", "epochs": 1},
                    {"name": "HA-GAN image only", "kind": "hagan", "epochs": 1, "discriminatorInput": "character"},
                    {"name": "CNN again", "kind": "cnn", "epochs": 1}]}
        """#)
    // Correct answers out of 4 per fold: CNN 2, 3; pair 3, 4; image only 2, 2; CNN again fold 0 only, 4.
    for (model, fold, correct) in [("CNN", 0, 2), ("CNN", 1, 3), ("HA-GAN pair", 0, 3), ("HA-GAN pair", 1, 4),
                                   ("HA-GAN image only", 0, 2), ("HA-GAN image only", 1, 2), ("CNN again", 0, 4)] {
        let job = jobs.first { $0.modelName == model && $0.fold == fold }!.id
        try complete(store, job, epochs: 1, predictions(correct: correct, total: 4, offset: fold))
    }
    try store.close()
    let table = try #require(try ReportGenerator.load(results: folder.path, experiment: "ablation").report.tables.first)
    #expect(table.comparisons.map(\.model) == ["HA-GAN pair", "HA-GAN image only", "CNN again"])
    #expect(table.comparisons.allSatisfy { $0.baseline == "CNN" })
    #expect(table.comparisons.map(\.pairs) == [2, 2, 1])
    #expect(table.comparisons.map(\.meanDifference) == [0.25, -0.125, 0.5])
    #expect(table.comparisons[2].pValue == nil)
    let text = try ReportGenerator.render(Report(tables: [table]), format: .text)
    #expect(text.contains("HA-GAN image only - CNN over 2 paired folds"))
}

@Test func protocolDifferencesAreNoted() throws {
    let notes = try fixtureReport().tables[0].notes
    #expect(notes.contains("CNN(baseline): 2 epochs (paper: 200)."))
    #expect(notes.contains { $0.hasPrefix("Augmentation: 2 variants per training image (center, center:flip)") })
    #expect(notes.contains("Images 48x48 cropped to 44x44 (paper: crops 75x75; it gives no image size before cropping)."))
    #expect(notes.contains("Characters: the synthetic mira (paper: a FERG-DB character)."))
    #expect(notes.contains("2 folds (paper: 10)."))
    #expect(!notes.contains { $0.contains("run (paper") || $0.contains("Incomplete") })
}

@Test func incompleteExperimentAndDivergedJobAreReported() throws {
    let table = try #require(try fixtureReport(experiment: "partial").tables.first)
    #expect(try fixtureReport(experiment: "partial").tables.count == 1)
    #expect(table.table == "none" && table.literature.isEmpty)
    #expect(table.notes.contains("Incomplete experiment: 1 of 4 jobs done; accuracies pool the completed folds only."))
    #expect(table.notes.contains("CNN(baseline) run 0 fold 1 diverged after 2 of 3 epochs: loss 'loss' is nan; not counted."))
    #expect(table.notes.contains("1 run (paper: 2); no standard deviation over runs."))
    #expect(!table.notes.contains { $0.contains("Augmentation") || $0.contains("Images") })
    let cnn = table.models[0], hagan = table.models[1]
    #expect(cnn.mean == 2.0 / 3 && cnn.std == nil && cnn.folds == 1 && cnn.foldsPlanned == 2)
    #expect(cnn.foldResults.map(\.status) == ["completed", "diverged"])
    #expect(!hagan.hasResults && hagan.foldResults.map(\.status) == ["running", "pending"])
    #expect(table.comparisons.isEmpty)
    let text = try ReportGenerator.render(Report(tables: [table]), format: .text)
    #expect(text.contains("HA-GAN (ours)") && text.contains("no completed folds yet"))
}

@Test func emptyDatabaseListsPaperTablesWithoutRuns() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try RunStore(path: folder.path + "/runs.sqlite").close()
    let report = try ReportGenerator.load(results: folder.path, experiment: nil).report
    #expect(report.tables.map(\.table) == ["ckplus", "mmi", "oulu"])
    for table in report.tables {
        #expect(table.experiment == nil && !table.literature.isEmpty && table.models.allSatisfy { !$0.hasResults })
    }
    let text = try ReportGenerator.render(report, format: .text)
    #expect(text.components(separatedBy: "no runs yet").count - 1 == 6)
}

@Test func markdownWithOutWritesLinkedFigures() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try writeFixture(results: folder.path)
    let out = folder.path + "/out/report.md"
    try FileManager.default.createDirectory(atPath: folder.path + "/out", withIntermediateDirectories: true)
    #expect(try ReportGenerator.run(results: folder.path, experiment: "paper-fixture", format: .markdown, out: out) == nil)
    let markdown = try String(contentsOfFile: out, encoding: .utf8)
    let svg = "report-figures/ckplus-paper-fixture-ha-gan-curves.svg"
    #expect(markdown.contains("](\(svg))") && markdown.contains("](report-figures/ckplus-paper-fixture-samples.png)"))
    let curves = try String(contentsOfFile: folder.path + "/out/" + svg, encoding: .utf8)
    #expect(curves.hasPrefix("<svg") && curves.contains("<polyline") && curves.contains(">loss<") && curves.contains(">accuracy.test<"))
    // The latest sample grid (epoch 2), byte for byte.
    let copied = FileManager.default.contents(atPath: folder.path + "/out/report-figures/ckplus-paper-fixture-samples.png")
    #expect(copied == Data([0x89, 0x50, 0x4E, 0x47]))
}

@Test func badInputGivesClearErrors() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    #expect(throws: RunLogError.missing(path: folder.path + "/runs.sqlite")) {
        try ReportGenerator.load(results: folder.path, experiment: nil)
    }
    try writeFixture(results: folder.path, partial: false)
    #expect(throws: RunLogError.unknownExperiment("nope")) {
        try ReportGenerator.load(results: folder.path, experiment: "nope")
    }
    // Schema version 99 in the header (PRAGMA user_version, bytes 60-63 big-endian).
    let path = folder.path + "/runs.sqlite"
    var bytes = try #require(FileManager.default.contents(atPath: path))
    bytes[60] = 0; bytes[61] = 0; bytes[62] = 0; bytes[63] = 99
    try bytes.write(to: URL(fileURLWithPath: path))
    do {
        _ = try ReportGenerator.load(results: folder.path, experiment: nil)
        Issue.record("a newer schema was accepted")
    } catch let error as RunLogError {
        guard case .newerSchema(_, let found, _, _) = error else { Issue.record("unexpected \(error)"); return }
        #expect(found == 99 && error.description.contains("newer exp"))
    }
}
