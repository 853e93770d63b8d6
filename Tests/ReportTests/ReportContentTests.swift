// The report model on the fixture against the hand-computed values in ReportFixture.swift; the
// incomplete experiment, the diverged job and the empty database; figures beside Markdown; and
// bad input (no database, another schema version, an unknown experiment).

import Foundation
import Report
import RunLog
import Spec
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
    // The user's experiments first, then the paper tables without runs.
    #expect(report.tables.map(\.table) == ["ckplus", "none", "mmi", "oulu"])
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
    // One line per table, unless every table is asked for (then both our rows say so in each).
    let text = try ReportGenerator.render(report, format: .text)
    #expect(text.components(separatedBy: "no runs yet").count - 1 == 3 && text.split(separator: "\n").count == 4)
    let all = try ReportGenerator.render(report, format: .text, layout: TextLayout(allTables: true))
    #expect(all.components(separatedBy: "no runs yet").count - 1 == 6 && all.contains("LBP-TOP [40]"))
}

/// Prose wraps at the layout's width, with a hanging indent.
@Test func textReportWrapsToTheWidth() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try writeFixture(results: folder.path)
    let text = try #require(try ReportGenerator.run(results: folder.path, experiment: "paper-fixture", format: .text, out: nil,
                                                    layout: TextLayout(width: 60)))
    let lines = text.split(separator: "\n")
    // The table rows keep their columns; every other line fits.
    let prose = lines.filter { !$0.contains("(ours)") && !$0.hasPrefix("Method ") }
    #expect(prose.allSatisfy { $0.count <= 60 }, "\(prose.filter { $0.count > 60 })")
    #expect(lines.contains { $0.hasPrefix("  (Nadeau") || $0.hasPrefix("  t-test") || $0.hasPrefix("  ") })
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
    // An unknown experiment lists those there are.
    let unknown = #expect(throws: RunLogError.self) { try ReportGenerator.load(results: folder.path, experiment: "nope") }
    #expect(unknown?.description.contains("the run log has: paper-fixture (") == true, "\(unknown?.description ?? "")")
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

@Test func htmlReportHoldsEveryElementInOneFile() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try writeFixture(results: folder.path)
    let html = try #require(try ReportGenerator.run(results: folder.path, experiment: "paper-fixture", format: .html, out: nil))
    for part in ["<h3>Protocol notes</h3>", "<h3>Provenance</h3>", "0123456789ab", "<h3>Accuracy per fold</h3>", "Counts", "Row-normalised (%)",
                 "Classification report", "precision    recall  f1-score   support", "learning curves", "HA-GAN - CNN(baseline) over 4 paired"] {
        #expect(html.contains(part), "missing \(part)")
    }
    // Self-contained: no external reference of any kind.
    #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("<link"))
    // The fold plot, the models' test curves overlaid, one learning-curve figure per model.
    #expect(html.components(separatedBy: "<svg").count - 1 == 4)
    #expect(html.contains("<h3>Test accuracy of the models</h3>"))
}

/// The report leads with its answer: the title names the experiment and its models, the answer
/// block (corrected interval first) comes before the paper's table, the protocol notes and the
/// provenance; the paper's tables without runs come last, folded; curves are in percent, and
/// one metric or model has one colour in every chart.
@Test func htmlReportLeadsWithItsAnswer() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try writeFixture(results: folder.path, extraMetricKeys: ["accuracy.train"])
    let html = try #require(try ReportGenerator.run(results: folder.path, experiment: "paper-fixture", format: .html, out: nil))
    #expect(html.contains("<title>paper-fixture: CNN(baseline) vs HA-GAN on folder data</title>"))
    let order = ["<div class=\"answer\">", "corrected resampled t-test 95% CI", "as if the folds were independent", "<h3>Accuracy per fold</h3>",
                 "<h3>The paper's table</h3>", "<h3>Protocol notes</h3>", "<h3>Provenance</h3>"]
    let positions = order.map { html.range(of: $0)?.lowerBound }
    #expect(positions.allSatisfy { $0 != nil }, "missing parts: \(zip(order, positions).filter { $1 == nil }.map(\.0))")
    #expect(zip(positions, positions.dropFirst()).allSatisfy { $0! < $1! }, "the parts are out of order")
    // Accuracies are drawn in percent (the axis reaches 100), not as fractions.
    #expect(html.contains(">100</text>"))
    // accuracy.test has one colour in every curve, and each model one colour in the fold plot and the overlay.
    let test = LearningCurveColors.metric("accuracy.test")
    #expect(html.components(separatedBy: "stroke=\"\(test)\"").count - 1 >= 2)
    #expect(LearningCurveColors.metric("accuracy.train") != test && LearningCurveColors.model(0) != LearningCurveColors.model(1))
}

/// The scores of a 2-class confusion matrix, computed by hand.
@Test func classificationReportMatchesHandValues() {
    // true 0: 3 right, 1 called 1; true 1: 2 right, none wrong.
    let r = ClassificationReport(confusion: [[3, 1], [0, 2]], names: ["a", "b"])
    #expect(abs(r.classes[0].precision - 1) < 1e-12 && abs(r.classes[0].recall - 0.75) < 1e-12)
    #expect(abs(r.classes[0].f1 - 1.5 / 1.75) < 1e-12)
    #expect(abs(r.classes[1].precision - 2.0 / 3) < 1e-12 && abs(r.classes[1].recall - 1) < 1e-12 && abs(r.classes[1].f1 - 0.8) < 1e-12)
    #expect(r.classes.map(\.support) == [4, 2] && abs(r.accuracy - 5.0 / 6) < 1e-12)
    #expect(abs(r.macro.f1 - (1.5 / 1.75 + 0.8) / 2) < 1e-12)
    #expect(abs(r.weighted.recall - (4 * 0.75 + 2 * 1) / 6) < 1e-12)
    // A class never predicted and never present scores 0, not NaN.
    let empty = ClassificationReport(confusion: [[2, 0], [0, 0]], names: ["a", "b"])
    #expect(empty.classes[1].precision == 0 && empty.classes[1].recall == 0 && empty.classes[1].f1 == 0)
    #expect(r.text.contains("weighted avg") && r.text.contains("    accuracy"))
}

/// Learning-curve legends wrap under the panel: every entry ends inside the figure.
@Test func learningCurveLegendsFitTheFigure() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try writeFixture(results: folder.path, extraMetricKeys: ["accuracy.generated_pairs", "accuracy.validation_recalibrated_long_name"])
    let out = folder.path + "/report.md"
    _ = try ReportGenerator.run(results: folder.path, experiment: "paper-fixture", format: .markdown, out: out)
    let svg = try String(contentsOfFile: folder.path + "/report-figures/ckplus-paper-fixture-ha-gan-curves.svg", encoding: .utf8)
    let widthMatch = try #require(try Regex(#"width="([0-9.]+)""#).firstMatch(in: svg))
    let widthText = try #require(widthMatch.output[1].substring)
    let width = try #require(Double(widthText))
    var legends = 0
    for match in svg.matches(of: try Regex(#"<text x="([0-9.]+)" y="[0-9.]+">((?:accuracy|loss)[a-z._]*)</text>"#)) {
        let x = Double(match.output[1].substring!)!, text = String(match.output[2].substring!)
        #expect(x + 6.5 * Double(text.count) <= width, "legend '\(text)' at x \(x) runs past the width \(width)")
        legends += 1
    }
    #expect(legends >= 4)
}

/// Two experiments of one spec that differ in one key, on the same folds: the difference is that
/// key alone, and each model is paired over the test sets holding the same subjects.
@Test func compareShowsTheKeysThatDifferAndPairsSharedFolds() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let store = try RunStore(path: folder.path + "/runs.sqlite")
    let changed = paperFixtureSpec.replacingOccurrences(of: #"{"name": "HA-GAN", "kind": "hagan", "epochs": 2}"#,
                                                        with: #"{"name": "HA-GAN", "kind": "hagan", "epochs": 2, "l1Weight": 10}"#)
    #expect(changed != paperFixtureSpec)
    // HA-GAN's accuracy per (run, fold) in each experiment; the CNN's is the same in both.
    let before = [(0, 0, 2, 4), (0, 1, 1, 2), (1, 0, 2, 3), (1, 1, 2, 3)], after = [(0, 0, 4, 4), (0, 1, 2, 2), (1, 0, 2, 3), (1, 1, 3, 3)]
    for (text, hagan) in [(paperFixtureSpec, before), (changed, after)] {
        let (experiment, jobs) = try register(store, text)
        for run in 0..<2 { try store.recordFoldAssignments(experimentID: experiment, run: run, ["S1": 0, "S2": 1, "S3": 0]) }
        for (run, fold, correct, total) in hagan {
            let cnn = jobs.first { $0.modelName == "CNN(baseline)" && $0.run == run && $0.fold == fold }!
            try complete(store, cnn.id, epochs: 1, predictions(correct: 1, total: 2))
            let job = jobs.first { $0.modelName == "HA-GAN" && $0.run == run && $0.fold == fold }!
            try complete(store, job.id, epochs: 1, predictions(correct: correct, total: total))
        }
    }
    try store.close()
    let c = try ExperimentComparisons.compare(results: folder.path, keys: [String(try SpecLoader.load(text: paperFixtureSpec).hash.prefix(8)),
                                                                           String(try SpecLoader.load(text: changed).hash.prefix(8))])
    #expect(c.differences.map(\.key) == ["models[1].l1Weight"])
    #expect(c.differences.first?.values.last == "10")
    let hagan = try #require(c.pairs.first { $0.model == "HA-GAN" }?.result)
    // Differences per (run, fold): 2/4, 1/2, 0, 1/3 -> mean 1/3.
    #expect(hagan.pairs == 4 && abs(hagan.meanDifference - (0.5 + 0.5 + 0 + 1.0 / 3) / 4) < 1e-12)
    let cnn = try #require(c.pairs.first { $0.model == "CNN(baseline)" })
    #expect(cnn.result?.meanDifference == 0 && cnn.unmatched == 0)
    let overview = try ExperimentComparisons.overview(results: folder.path)
    #expect(overview.count == 2 && overview.allSatisfy { $0.jobsDone == 8 && $0.jobsTotal == 8 })
    #expect(overview[1].accuracies.map(\.model) == ["CNN(baseline)", "HA-GAN"] && abs(overview[1].accuracies[1].mean - (1 + 5.0 / 6) / 2) < 1e-12)
}

/// The CSV exports: one row per job, class, metric and epoch, or prediction, numbers as numbers.
@Test func csvExportsGiveOneNumberPerField() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try writeFixture(results: folder.path)
    func export(_ table: CSVTable, _ experiment: String? = "paper-fixture") throws -> [[String]] {
        let text = try #require(try ReportGenerator.run(results: folder.path, experiment: experiment, format: .csv, out: nil, csvTable: table))
        return text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }
    let folds = try export(.folds)
    #expect(folds.count == 1 + 8)
    let cnn00 = try #require(folds.first { $0[2] == "CNN(baseline)" && $0[4] == "0" && $0[5] == "0" })
    #expect(cnn00[9] == "3" && cnn00[10] == "4" && cnn00[11] == "0.75")
    let classes = try export(.classes)
    // HA-GAN pooled: anger 4/4 right, happy 4/4, sad 3/4 (one called anger): anger's precision 4/5.
    let anger = try #require(classes.first { $0[2] == "HA-GAN" && $0[4] == "anger" })
    #expect(anger[5] == "4" && anger[6] == "4" && Double(anger[7]) == 0.8 && Double(anger[8]) == 1)
    #expect(try export(.predictions).count == 1 + 12 + 12)
    // The diverged job's NaN loss is the word nan, not an empty field.
    let epochs = try export(.epochs, "partial")
    #expect(epochs.contains { $0[6] == "loss" && $0[7] == "nan" })
    #expect(epochs.dropFirst().allSatisfy { $0[7] == "nan" || Double($0[7]) != nil })
    // The summary splits "4/4" into two numbers.
    let summary = try export(.summary)
    #expect(summary[0].contains("folds_completed") && summary.contains { $0[2] == "HA-GAN (ours)" && $0[8] == "4" && $0[9] == "4" })
    #expect(throws: ReportError.option("--table folds is a CSV export: add --format csv")) {
        _ = try ReportGenerator.run(results: folder.path, experiment: nil, format: .text, out: nil, csvTable: .folds)
    }
}

@Test func latexCaptionsAreNotNumberedTwiceAndNotesHaveNoBackticks() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try RunStore(path: folder.path + "/runs.sqlite").close()
    let tex = try #require(try ReportGenerator.run(results: folder.path, experiment: nil, format: .latex, out: nil))
    #expect(tex.contains("\\caption{MMI: Accuracy") && !tex.contains("\\caption{Table"))
    #expect(!tex.contains("`") && tex.contains("\\texttt{exp run experiments/mmi.json}"))
}

/// A report for publication leaves the sample grids (human faces) out, in every format with figures.
@Test func reportsWithoutSamplesCarryNoFaces() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    try writeFixture(results: folder.path)
    let out = folder.path + "/public.md"
    _ = try ReportGenerator.run(results: folder.path, experiment: "paper-fixture", format: .markdown, out: out, samples: false)
    #expect(!(try String(contentsOfFile: out, encoding: .utf8)).contains("samples.png"))
    #expect(!FileManager.default.fileExists(atPath: folder.path + "/public-figures/ckplus-paper-fixture-samples.png"))
    #expect(FileManager.default.fileExists(atPath: folder.path + "/public-figures/ckplus-paper-fixture-ha-gan-curves.svg"))
}

@Test func aSinglePairIsReportedWithoutATest() throws {
    let json = #"{"model": "HA-GAN", "baseline": "CNN", "pairs": 1, "meanDifference": -0.0741}"#
    let result = try JSONDecoder().decode(PairedResult.self, from: Data(json.utf8))
    let line = TextTable.comparisonLine(result)
    #expect(line == "HA-GAN - CNN over 1 paired fold: difference -7.41 points; one pair gives no confidence interval or test.")
}

@Test func aTunedExperimentsReportStatesHowItsSettingsWereChosen() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let store = try RunStore(path: folder.path + "/runs.sqlite")
    let note = { (model: String, trials: Int) in
        #"{"model": "\#(model)", "tune": "0123456789ab", "tunedSpec": "tune-spec", "trials": \#(trials), "epochs": 40, "rungs": [3, 10],"#
            + #" "space": ["model.adam.lr=log(1e-4,1e-3)"], "chosen": ["model.adam.lr=0.0004"], "score": 81.5, "scoredOn": "validation"}"#
    }
    let tuned = partialFixtureSpec.replacingOccurrences(of: #""name": "partial""#, with: #""name": "tuned""#)
        .replacingOccurrences(of: #""table": "none","#, with: #""table": "none", "tuning": [\#(note("CNN(baseline)", 8)), \#(note("HA-GAN", 8))],"#)
    _ = try register(store, tuned)
    let lopsided = partialFixtureSpec.replacingOccurrences(of: #""name": "partial""#, with: #""name": "lopsided""#)
        .replacingOccurrences(of: #""table": "none","#, with: #""table": "none", "tuning": [\#(note("HA-GAN", 16))],"#)
    _ = try register(store, lopsided)
    try store.close()
    let notes = try ReportGenerator.load(results: folder.path, experiment: "tuned").report.tables.flatMap(\.notes)
    let tuning = try #require(notes.first { $0.hasPrefix("Tuning:") })
    #expect(tuning.contains("CNN(baseline) 8 trials, 40 epochs (rungs 3/10); HA-GAN 8 trials, 40 epochs (rungs 3/10)"))
    #expect(tuning.contains("never on a test fold") && tuning.contains("0123456789ab"))
    #expect(!notes.contains { $0.hasPrefix("Unequal tuning budgets") })
    let other = try ReportGenerator.load(results: folder.path, experiment: "lopsided").report.tables.flatMap(\.notes)
    #expect(other.contains { $0.hasPrefix("Unequal tuning budgets: CNN(baseline) not tuned") })
}

@Test func aNameOfSeveralExperimentsIsAnErrorUnlessLatestAndTheDefaultSaysWhatItChose() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let store = try RunStore(path: folder.path + "/runs.sqlite")
    _ = try register(store, partialFixtureSpec)
    _ = try register(store, partialFixtureSpec.replacingOccurrences(of: #""table": "none","#, with: #""table": "none", "seed": 99,"#))
    try store.close()
    let ambiguous = #expect(throws: RunLogError.self) { _ = try ReportGenerator.load(results: folder.path, experiment: "partial") }
    let text = ambiguous.map { String(describing: $0) } ?? ""
    #expect(text.contains("2 experiments are named \"partial\"") && text.contains("0 of 4 jobs done") && text.contains("--latest"))
    let newest = try ReportGenerator.load(results: folder.path, experiment: "partial", latest: true)
    #expect(newest.data.first?.spec.seed == 99)
    // Without --experiment the newest of the table is shown, and the report says so.
    let notes = try ReportGenerator.load(results: folder.path, experiment: nil).report.tables.flatMap(\.notes)
    #expect(notes.contains { $0.hasPrefix("Chosen: partial (") && $0.contains("the newest of 2 experiments of table none") })
}
