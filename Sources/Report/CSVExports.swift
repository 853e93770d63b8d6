// CSVExports: the run log's detail as CSV for a spreadsheet or pandas (`exp report --format csv
// --table folds|classes|epochs|predictions`): one row per (run, fold) job, per class, per metric and
// epoch, or per test prediction, for the reported experiments. Numbers are plain numbers
// (accuracies as fractions, NaN as `nan`), one value per column.

import Foundation
import RunLog

public enum CSVTable: String, CaseIterable, Sendable {
    /// The report's table rows (literature, the paper's, ours).
    case summary
    case folds, classes, epochs, predictions
}

enum CSVExports {
    static func number(_ v: Double?) -> String {
        guard let v else { return "" }
        return v.isNaN ? "nan" : v.isInfinite ? (v > 0 ? "inf" : "-inf") : String(v)
    }

    static func line(_ fields: [String]) -> String { fields.map(CSVRenderer.quote).joined(separator: ",") }

    static func render(_ table: CSVTable, data: [ExperimentData], store: RunStore) throws -> String {
        var lines: [String] = []
        switch table {
        case .summary:
            preconditionFailure("the summary is the report's own CSV")
        case .folds:
            lines.append("experiment,spec_hash,model,model_kind,run,fold,status,epochs_done,epochs_planned,correct,samples,accuracy")
            for d in data {
                for r in d.jobs {
                    let j = r.job
                    lines.append(line([d.record.name, d.record.specHash, j.modelName, j.modelKind, String(j.run), String(j.fold), j.status.rawValue,
                                       String(j.epochsDone), String(j.epochsPlanned), r.correct.map(String.init) ?? "", r.samples.map(String.init) ?? "",
                                       number(r.accuracy)]))
                }
            }
        case .classes:
            lines.append("experiment,spec_hash,model,label,class,support,correct,precision,recall,f1")
            for d in data {
                for model in d.spec.models.map(\.name) {
                    guard let confusion = d.confusion[model], !confusion.isEmpty else { continue }
                    let scores = ClassificationReport(confusion: confusion, names: d.classNames)
                    for (label, c) in scores.classes.enumerated() {
                        lines.append(line([d.record.name, d.record.specHash, model, String(label), c.name, String(c.support), String(confusion[label][label]),
                                           number(c.precision), number(c.recall), number(c.f1)]))
                    }
                }
            }
        case .epochs:
            lines.append("experiment,spec_hash,model,run,fold,epoch,key,value")
            for d in data {
                for r in d.jobs {
                    for m in try store.metrics(jobID: r.job.id).sorted(by: { ($0.epoch, $0.key, $0.step) < ($1.epoch, $1.key, $1.step) }) {
                        lines.append(line([d.record.name, d.record.specHash, r.job.modelName, String(r.job.run), String(r.job.fold),
                                           String(m.epoch), m.key, m.value.isNaN ? "nan" : number(m.value)]))
                    }
                }
            }
        case .predictions:
            let classes = data.first?.classNames ?? []
            lines.append((["experiment", "spec_hash", "model", "run", "fold", "sample_index", "sample_id", "subject", "true_label", "true_class",
                           "predicted_label", "predicted_class"] + classes.map { "p_\($0)" }).joined(separator: ","))
            for d in data {
                for r in d.jobs where r.job.status == .completed {
                    for p in try store.finalPredictions(jobID: r.job.id) {
                        func name(_ label: Int) -> String { label < d.classNames.count ? d.classNames[label] : "" }
                        lines.append(line([d.record.name, d.record.specHash, r.job.modelName, String(r.job.run), String(r.job.fold), String(p.sampleIndex),
                                           p.sampleID, p.subject, String(p.trueLabel), name(p.trueLabel), String(p.predictedLabel), name(p.predictedLabel)]
                                          + p.probabilities.map { number($0) }))
                    }
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
