// ReportBuilder: turns the run log's data into the report model. Each paper table lists the
// literature rows, then our models: accuracy pooled over the test folds of each run (completed
// jobs only), mean and standard deviation over runs (section 5), and the paired comparison of
// every other model (HA-GAN, ablations) with the CNN baseline over the (run, fold) pairs both completed.

import Spec
import Vocabulary

public enum ReportBuilder {
    /// The report over the given experiments. Without a choice of experiment every paper table
    /// is present (ours "no runs yet" when it has none); with `onlyGiven` just the given ones.
    public static func build(_ experiments: [ExperimentData], onlyGiven: Bool = false) -> Report {
        var tables: [ReportTable] = []
        if !onlyGiven {
            for paper in PaperTable.paperTables where !experiments.contains(where: { $0.record.tableName == paper.rawValue }) {
                tables.append(emptyTable(paper))
            }
        }
        tables += experiments.map(table)
        // The user's experiments first, in the paper's table order; then the paper tables without runs.
        let order = Dictionary(uniqueKeysWithValues: (PaperTable.paperTables + [.none]).enumerated().map { ($1.rawValue, $0) })
        func key(_ t: ReportTable) -> (Int, Int) { (t.experiment == nil ? 1 : 0, order[t.table] ?? 9) }
        tables.sort { key($0) < key($1) }
        return Report(tables: tables)
    }

    static func emptyTable(_ paper: PaperTable) -> ReportTable {
        let models = [("CNN(baseline)", "cnn"), ("HA-GAN", "hagan")].map { name, kind in
            ModelResult(
                name: name, kind: kind, hasResults: false, runAccuracies: [], mean: nil, std: nil, runs: 0, runsPlanned: 0, folds: 0,
                foldsPlanned: 0, epochs: 0, paperAccuracy: Literature.reported(paper, modelKind: kind), classes: [], confusion: [], foldResults: [])
        }
        return ReportTable(
            table: paper.rawValue, title: paper.caption, literature: Literature.rows(paper), experiment: nil, models: models,
            notes: ["No runs yet: run `exp run experiments/\(paper.rawValue).json`."], comparisons: [])
    }

    static func table(_ data: ExperimentData) -> ReportTable {
        let paper = PaperTable(rawValue: data.record.tableName) ?? .none
        let title = paper == .none
            ? "Experiment \(data.record.name) (\(data.record.datasetKind)): accuracy for \(data.classNames.count) expressions classification."
            : paper.caption
        let models = data.spec.models.map { model(data, $0, paper: paper) }
        let done = data.jobs.filter { $0.job.status == .completed }.count
        let info = ExperimentInfo(
            name: data.record.name, hash: String(data.record.specHash.prefix(12)), datasetKind: data.record.datasetKind,
            jobsCompleted: done, jobsTotal: data.jobs.count, gitCommit: data.record.provenance.gitCommit.map { String($0.prefix(12)) })
        return ReportTable(
            table: paper.rawValue, title: title, literature: Literature.rows(paper), experiment: info, models: models,
            notes: ProtocolNotes.notes(data), comparisons: comparisons(data))
    }

    static func model(_ data: ExperimentData, _ spec: ModelSpec, paper: PaperTable) -> ModelResult {
        let jobs = data.jobs.filter { $0.job.modelName == spec.name }.sorted { ($0.job.run, $0.job.fold) < ($1.job.run, $1.job.fold) }
        let completed = jobs.filter { $0.job.status == .completed && $0.samples != nil }
        let runs = Set(completed.map(\.job.run)).sorted()
        let runAccuracies = runs.compactMap { run -> Double? in
            let inRun = completed.filter { $0.job.run == run }
            return Statistics.pooledAccuracy(correct: inRun.map { $0.correct ?? 0 }, total: inRun.map { $0.samples ?? 0 })
        }
        let perClass = data.perClass[spec.name] ?? [:]
        let classes = data.classNames.enumerated().map { label, name in
            let counts = perClass[label] ?? (0, 0)
            return ClassAccuracy(name: name, samples: counts.samples, correct: counts.correct,
                                 accuracy: counts.samples > 0 ? Double(counts.correct) / Double(counts.samples) : nil)
        }
        let folds = jobs.map { r in
            FoldResult(run: r.job.run, fold: r.job.fold, status: r.job.status.rawValue, epochsDone: r.job.epochsDone,
                       correct: r.correct, samples: r.samples, accuracy: r.job.status == .completed ? r.accuracy : nil)
        }
        return ModelResult(
            name: spec.name, kind: spec.kind.rawValue, hasResults: !runAccuracies.isEmpty, runAccuracies: runAccuracies,
            mean: Statistics.mean(runAccuracies), std: Statistics.standardDeviation(runAccuracies), runs: runs.count,
            runsPlanned: data.spec.protocol.runs, folds: completed.count, foldsPlanned: jobs.count, epochs: spec.epochs,
            paperAccuracy: paper == .none ? nil : Literature.reported(paper, modelKind: spec.kind.rawValue), classes: classes,
            confusion: data.confusion[spec.name] ?? [], foldResults: folds)
    }

    /// Every model but the baseline (the first CNN model) against it, per (run, fold) both
    /// completed, in spec order.
    static func comparisons(_ data: ExperimentData) -> [PairedResult] {
        guard let cnn = data.spec.models.first(where: { $0.kind == .cnn }) else { return [] }
        return data.spec.models.filter { $0.name != cnn.name }.compactMap { comparison(data, model: $0.name, baseline: cnn.name) }
    }

    static func comparison(_ data: ExperimentData, model: String, baseline: String) -> PairedResult? {
        func accuracies(_ name: String) -> [String: Double] {
            var result: [String: Double] = [:]
            for r in data.jobs where r.job.modelName == name && r.job.status == .completed {
                if let a = r.accuracy { result["\(r.job.run)/\(r.job.fold)"] = a }
            }
            return result
        }
        let a = accuracies(model), b = accuracies(baseline)
        let keys = Set(a.keys).intersection(b.keys).sorted()
        return paired(model: model, baseline: baseline, keys.map { a[$0]! }, keys.map { b[$0]! }, protocol: data.spec.protocol)
    }

    /// `a - b` over matched (run, fold) accuracies: the plain paired t-test and Nadeau and Bengio's
    /// corrected one for the protocol's folds; nil without a pair.
    static func paired(model: String, baseline: String, _ a: [Double], _ b: [Double], protocol: ProtocolSpec) -> PairedResult? {
        guard let plain = Statistics.paired(a, b) else { return nil }
        // n_test / n_train: one fold against the other k - 1, less the validation subjects held out.
        let k = Double(`protocol`.folds), held = `protocol`.validation ?? 0
        let corrected = Statistics.paired(a, b, testTrainRatio: 1 / ((k - 1) * (1 - held)))
        return PairedResult(
            model: model, baseline: baseline, pairs: plain.count, meanDifference: plain.meanDifference,
            ciLow: plain.confidenceInterval?.low, ciHigh: plain.confidenceInterval?.high, pValue: plain.pValue,
            correctedCILow: corrected?.confidenceInterval?.low, correctedCIHigh: corrected?.confidenceInterval?.high,
            correctedPValue: corrected?.pValue)
    }
}
