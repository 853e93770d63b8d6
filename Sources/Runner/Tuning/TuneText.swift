// What `exp tune` prints at its end: per model, each trial's values and its score at every rung
// it reached (promoted ones marked), the budget spent, and the choice.

import Foundation

public enum TuneText {
    public static func lines(_ outcome: TuneOutcome) -> [String] {
        var lines = ["tune \(outcome.hash.prefix(12)) of \(outcome.name): \(outcome.options.trials) trials per model, eta \(outcome.options.eta), "
                     + "\(outcome.options.sampler) sampler; score: \(outcome.options.score)"]
        for model in outcome.models {
            lines.append("")
            lines.append("\(model.model): rungs at epochs \(model.rungs.map(String.init).joined(separator: ", ")); "
                         + "\(model.epochsTrained) epochs trained over all trials and folds"
                         + (model.finished ? "" : " (not finished)"))
            let header = ["trial"] + model.rungs.map { "epoch \($0)" } + ["values"]
            var rows: [[String]] = [header]
            for trial in model.trials {
                let cells = trial.scores.enumerated().map { k, score -> String in
                    guard let score else { return "-" }
                    let text = score.isFinite ? String(format: "%.2f", score) : "diverged"
                    return text + (trial.promoted[k] ? " *" : "")
                }
                rows.append([String(trial.index)] + cells + [trial.assignments.joined(separator: ", ")])
            }
            let widths = (0..<header.count).map { c in rows.map { $0[c].count }.max() ?? 0 }
            for row in rows {
                lines.append("  " + row.enumerated().map { c, text in
                    c == row.count - 1 ? text : text.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                }.joined(separator: "  "))
            }
            if let choice = model.choice {
                lines.append(String(format: "  chosen: trial %d (%.2f at epoch %d): ", choice.trial, choice.score, model.rungs[choice.rung])
                             + model.trials[choice.trial].assignments.joined(separator: ", "))
            }
        }
        lines.append("")
        lines.append("* promoted to the next rung. Scores are validation accuracies in percent; no trial loaded its test fold.")
        return lines
    }
}
