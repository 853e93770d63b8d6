// The report of a tune (`exp report --tune T`, and what `exp tune` prints at its end), from the
// run log alone: per model, each trial's values and validation score at every rung it reached
// (promoted ones marked), the epochs spent, the choice, and each key's values against the first
// rung's scores (text lists; in HTML, one scatter plot per key).

import Foundation
import RunLog

public struct TuneReport: Sendable {
    public struct Model: Sendable {
        public var name: String
        public var rungs: [Int]
        public var trials: [TuneTrialRecord]
        public var epochsTrained: Int
        public var chosen: TuneTrialRecord? { trials.first(where: \.chosen) }
    }

    /// The part of `tunes.options_json` the report reads.
    struct Options: Decodable {
        var space: [String]
        var trials: Int
        var eta: Int
        var folds: Int
        var sampler: String
        var score: String
    }

    public var hash: String
    public var name: String
    public var space: [String]
    public var trialsPerModel: Int
    public var eta: Int
    public var folds: Int
    public var sampler: String
    public var score: String
    public var models: [Model]

    /// The tune named by `key` (hash prefix or spec name; nil: the latest) in `results`.
    public static func load(results: String, tune key: String?) throws -> TuneReport {
        let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
        guard let tune = try store.tune(matching: key) else {
            let known = try store.tunes().map { "\($0.hash.prefix(12)) (\($0.name))" }
            throw ReportError.unknownTune(key ?? "", known: known)
        }
        return try load(store: store, tune: tune)
    }

    public static func load(store: RunStore, tune: TuneRecord) throws -> TuneReport {
        let options = try JSONDecoder().decode(Options.self, from: Data(tune.optionsJSON.utf8))
        let trials = try store.trials(tuneID: tune.id)
        let epochs = try store.epochsTrained(tuneID: tune.id)
        var names: [String] = []
        for t in trials where !names.contains(t.modelName) { names.append(t.modelName) }
        let models = names.map { name in
            let mine = trials.filter { $0.modelName == name }.sorted { $0.trial < $1.trial }
            let rungs = Set(mine.flatMap { $0.rungs.values.map { [$0.rung, $0.epochs] } }).sorted { $0[0] < $1[0] }.map { $0[1] }
            return Model(name: name, rungs: rungs, trials: mine, epochsTrained: epochs[name] ?? 0)
        }
        return TuneReport(hash: tune.hash, name: tune.name, space: options.space, trialsPerModel: options.trials, eta: options.eta,
                          folds: options.folds, sampler: options.sampler, score: options.score, models: models)
    }

    // MARK: text

    public var text: String {
        var lines = ["tune \(hash.prefix(12)) of \(name): \(trialsPerModel) trials per model, eta \(eta), \(sampler) sampler, "
                     + "\(folds) tuning fold(s); space: \(space.joined(separator: " "))",
                     "score: \(score)"]
        for model in models {
            lines.append("")
            lines.append("\(model.name): rungs at epochs \(model.rungs.map(String.init).joined(separator: ", ")); "
                         + "\(model.epochsTrained) epochs trained over all trials and folds")
            lines += TextTable.aligned([["trial"] + model.rungs.map { "epoch \($0)" } + ["values"]] + model.trials.map { trial in
                [String(trial.trial)] + model.rungs.indices.map { cell(trial, $0) } + [trial.assignments.joined(separator: ", ")]
            }).map { "  " + $0 }
            if let chosen = model.chosen, let best = chosen.rungs.values.max(by: { $0.rung < $1.rung }) {
                lines.append("  chosen: trial \(chosen.trial) (\(best.score.map { String(format: "%.2f", $0) } ?? "-") at epoch \(best.epochs)): "
                             + chosen.assignments.joined(separator: ", "))
            } else {
                lines.append("  no choice yet: the tune has not finished")
            }
            for (key, points) in keyPoints(model) {
                lines.append("  \(key) against the score at epoch \(model.rungs.first ?? 0): "
                             + points.map { "\($0.text) \(String(format: "%.1f", $0.score))\($0.promoted ? "*" : "")" }.joined(separator: ", "))
            }
        }
        lines.append("")
        lines.append("* promoted to the next rung. Scores are validation accuracies in percent; no trial loaded its test fold.")
        return lines.joined(separator: "\n") + "\n"
    }

    private func cell(_ trial: TuneTrialRecord, _ rung: Int) -> String {
        guard let r = trial.rungs[rung] else { return "-" }
        return (r.score.map { String(format: "%.2f", $0) } ?? "diverged") + (r.promoted ? " *" : "")
    }

    /// Per key of the space: each trial's value and its first-rung score, in order of value.
    func keyPoints(_ model: Model) -> [(key: String, points: [(text: String, value: Double?, score: Double, promoted: Bool)])] {
        var keys: [String] = []
        for t in model.trials { for a in t.assignments { let k = String(a.split(separator: "=")[0]); if !keys.contains(k) { keys.append(k) } } }
        return keys.map { key in
            let points = model.trials.compactMap { t -> (text: String, value: Double?, score: Double, promoted: Bool)? in
                guard let a = t.assignments.first(where: { $0.hasPrefix(key + "=") }), let first = t.rungs[0], let score = first.score else { return nil }
                let text = String(a.dropFirst(key.count + 1))
                return (text, Double(text), score, first.promoted)
            }
            let numeric = points.allSatisfy { $0.value != nil }
            return (key, points.sorted { numeric ? $0.value! < $1.value! : $0.text < $1.text })
        }
    }

    // MARK: HTML

    public var html: String {
        var body = "<h1>Tune \(hash.prefix(12)) of \(esc(name))</h1>\n"
        body += "<p>\(trialsPerModel) trials per model, eta \(eta), \(esc(sampler)) sampler, \(folds) tuning fold(s). Space: <code>"
            + esc(space.joined(separator: " ")) + "</code>. Score: \(esc(score)). No trial loaded its test fold.</p>\n"
        for model in models {
            body += "<h2>\(esc(model.name))</h2>\n<p>Rungs at epochs \(model.rungs.map(String.init).joined(separator: ", ")); "
                + "\(model.epochsTrained) epochs trained over all trials and folds. "
            if let chosen = model.chosen {
                body += "Chosen: trial \(chosen.trial), <code>\(esc(chosen.assignments.joined(separator: ", ")))</code>.</p>\n"
            } else {
                body += "No choice yet: the tune has not finished.</p>\n"
            }
            body += "<table><tr><th>trial</th>" + model.rungs.map { "<th>epoch \($0)</th>" }.joined() + "<th>values</th></tr>\n"
            for t in model.trials {
                body += "<tr\(t.chosen ? " class=\"chosen\"" : "")><td>\(t.trial)</td>" + model.rungs.indices.map { "<td>\(cell(t, $0))</td>" }.joined()
                    + "<td>\(esc(t.assignments.joined(separator: ", ")))</td></tr>\n"
            }
            body += "</table>\n<div class=\"plots\">"
            for (key, points) in keyPoints(model) where points.allSatisfy({ $0.value != nil }) && points.count >= 2 {
                body += scatter(key: key, rung: model.rungs.first ?? 0, points: points.map { ($0.value!, $0.score, $0.promoted) })
            }
            body += "</div>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Tune \(hash.prefix(12)) of \(esc(name))</title>
            <style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}table{border-collapse:collapse}
            td,th{border:1px solid #ccc;padding:0.2em 0.5em;text-align:left}tr.chosen{background:#e8f0fe}
            .plots svg{margin:0.5em 1em 0.5em 0}</style></head><body>
            \(body)<p>* promoted to the next rung. Scores are validation accuracies in percent.</p></body></html>

            """
    }

    /// Score against one key's values (log scale when the values are positive and span more than
    /// a factor of 10); promoted trials filled.
    private func scatter(key: String, rung: Int, points: [(x: Double, y: Double, promoted: Bool)]) -> String {
        let (w, h, left, bottom) = (320.0, 200.0, 44.0, 34.0)
        let logScale = points.allSatisfy { $0.x > 0 } && (points.map(\.x).max()! / points.map(\.x).min()!) > 10
        let xs = points.map { logScale ? log10($0.x) : $0.x }
        let (x0, x1) = (xs.min()!, xs.max()! == xs.min()! ? xs.min()! + 1 : xs.max()!)
        let (y0, y1) = (max(0, (points.map(\.y).min()! - 5).rounded(.down)), min(100, (points.map(\.y).max()! + 5).rounded(.up)))
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (w - left - 10) }
        func py(_ y: Double) -> Double { (h - bottom) - (y - y0) / max(1e-9, y1 - y0) * (h - bottom - 10) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" role=\"img\" aria-label=\"score against \(esc(key))\">"
        svg += "<line x1=\"\(left)\" y1=\"\(h - bottom)\" x2=\"\(w - 10)\" y2=\"\(h - bottom)\" stroke=\"#333\"/>"
        svg += "<line x1=\"\(left)\" y1=\"10\" x2=\"\(left)\" y2=\"\(h - bottom)\" stroke=\"#333\"/>"
        for y in [y0, (y0 + y1) / 2, y1] {
            svg += "<text x=\"\(left - 4)\" y=\"\(py(y) + 4)\" font-size=\"10\" text-anchor=\"end\">\(String(format: "%.0f", y))</text>"
        }
        for x in [x0, x1] {
            let label = logScale ? String(format: "%.3g", pow(10, x)) : String(format: "%.3g", x)
            svg += "<text x=\"\(px(x))\" y=\"\(h - bottom + 14)\" font-size=\"10\" text-anchor=\"middle\">\(label)</text>"
        }
        svg += "<text x=\"\((left + w) / 2)\" y=\"\(h - 4)\" font-size=\"11\" text-anchor=\"middle\">\(esc(key))\(logScale ? " (log)" : "")</text>"
        svg += "<text x=\"12\" y=\"\((h - bottom) / 2)\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 \((h - bottom) / 2))\">score at epoch \(rung) (%)</text>"
        for (p, x) in zip(points, xs) {
            svg += "<circle cx=\"\(px(x))\" cy=\"\(py(p.y))\" r=\"4\" fill=\"\(p.promoted ? "#1f77b4" : "white")\" stroke=\"#1f77b4\"/>"
        }
        return svg + "</svg>"
    }

    private func esc(_ s: String) -> String { HTMLRenderer.escape(s) }
}
