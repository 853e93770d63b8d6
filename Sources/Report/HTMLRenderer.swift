// HTMLRenderer: the report as one self-contained HTML file: figures inline (SVG, and the sample
// grid as a PNG data URI), no network and no script beyond a few lines that record whether every
// image loaded. Per table: the paper's rows and ours; per experiment: the protocol notes and
// provenance, the per-fold accuracies of every model with the paired tests under them, and per
// model its learning curves (mean and range over jobs), confusion matrices as heat maps (counts and
// row-normalised) and a classification report; then the latest translation sample grid, enlarged,
// its rows labelled by the input's expression.

import Foundation

enum HTMLRenderer {
    static func render(_ report: Report, data: [ExperimentData], results: String) -> String {
        // The title names the experiment and its data when the report holds one; tables with runs
        // come first, the paper's tables without runs folded at the end.
        let withRuns = report.tables.enumerated().filter { $0.element.experiment != nil }
        let title = withRuns.count == 1 ? withRuns[0].element.experiment.map { e in
            "\(e.name): \(withRuns[0].element.models.filter(\.hasResults).map(\.name).joined(separator: " vs "))"
                + " on \(e.datasetKind) data" } ?? "exp report" : "exp report"
        var body: [String] = ["<h1>\(escape(title))</h1>"]
        let named = (withRuns + report.tables.enumerated().filter { $0.element.experiment == nil })
            .map { (index: $0.offset, table: $0.element, id: "table-\($0.offset)") }
        if withRuns.count > 1 {
            body.append("<nav><ul>" + named.filter { $0.table.experiment != nil }.map { "<li><a href=\"#\($0.id)\">\(escape($0.table.title))</a></li>" }
                .joined() + "</ul></nav>")
        }
        for entry in named {
            let experiment = entry.table.experiment.flatMap { info in data.first { $0.record.specHash.hasPrefix(info.hash) } }
            body.append(section(entry.table, id: entry.id, experiment: experiment, results: results))
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>
            \(style)
            </style>
            </head>
            <body>
            \(body.joined(separator: "\n"))
            <script>
            // Records whether every image decoded (read by the browser test).
            window.addEventListener("load", function () {
              var images = Array.prototype.slice.call(document.images);
              var loaded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
              document.body.setAttribute("data-images-loaded", loaded + " of " + images.length);
            });
            </script>
            </body>
            </html>

            """
    }

    static let style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1100px; padding: 0 1em; color: #222; line-height: 1.45; }
        h1 { font-size: 1.7em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2em; margin-top: 2em; } h3 { margin-top: 1.6em; }
        table { border-collapse: collapse; margin: .6em 0; font-size: .92em; }
        th, td { padding: .25em .6em; border-bottom: 1px solid #e4e4e4; text-align: left; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.ours td { font-weight: 600; background: #f3f8ff; }
        tr.reported td { background: #fafafa; }
        .muted { color: #777; font-weight: normal; }
        .heat td { text-align: right; min-width: 3.2em; font-variant-numeric: tabular-nums; border: 1px solid #fff; }
        .heat th { font-weight: normal; font-size: .9em; }
        .pair { display: flex; flex-wrap: wrap; gap: 2em; align-items: flex-start; }
        pre { background: #f6f6f6; padding: .6em .8em; overflow-x: auto; font-size: .85em; }
        code { background: #f2f2f2; padding: 0 .2em; }
        dl.provenance { display: grid; grid-template-columns: max-content auto; gap: .1em 1em; font-size: .9em; }
        dl.provenance dt { color: #555; } dl.provenance dd { margin: 0; word-break: break-all; }
        .grid { display: grid; grid-template-columns: max-content max-content; align-items: start; gap: 0 .6em; }
        .grid .labels div { display: flex; align-items: center; justify-content: flex-end; font-size: .9em; }
        .grid img { image-rendering: pixelated; border: 1px solid #ccc; }
        figure { margin: 1em 0; } figcaption { color: #555; font-size: .9em; }
        details { margin: 1em 0; } summary { cursor: pointer; }
        .answer { background: #f3f8ff; border-left: 4px solid #1f77b4; padding: .3em 1em; font-size: 1.05em; }
        """

    static func section(_ table: ReportTable, id: String, experiment: ExperimentData?, results: String) -> String {
        // A paper table without runs is folded: its literature rows are a click away.
        if table.experiment == nil {
            return "<section id=\"\(id)\"><details><summary><strong>\(escape(table.title))</strong> <span class=\"muted\">no runs yet: "
                + "\(inline(table.notes.first?.replacingOccurrences(of: "No runs yet: ", with: "") ?? ""))</span></summary>\n"
                + resultsTable(table) + "\n</details></section>"
        }
        var out = ["<section id=\"\(id)\">", "<h2>\(escape(table.title))</h2>"]
        if let line = Format.experimentLine(table) { out.append("<p>\(inline(line))</p>") }
        // The answer first: each model's accuracy, the comparison with the corrected interval.
        let answer = Format.answerLines(table)
        if !answer.isEmpty { out.append("<div class=\"answer\"><ul>" + answer.map { "<li>\(inline($0))</li>" }.joined() + "</ul></div>") }
        if let plot = FoldPlotSVG.render(table.models) {
            out.append("<h3>Accuracy per fold</h3>")
            out.append("<figure>\(plot)<figcaption>Each dot is one (run, fold) test set; grey lines join the same test set across models; black bars are the means over folds.</figcaption></figure>")
        }
        if let experiment, let overlay = LearningCurveSVG.overlay(table.models.map(\.name), curves: experiment.curves) {
            out.append("<h3>Test accuracy of the models</h3><figure>\(overlay)<figcaption>Mean over each model's jobs per epoch; band: lowest to highest job. The final epoch is the one reported: no epoch is chosen on the test folds.</figcaption></figure>")
        }
        out.append("<h3>The paper's table</h3>")
        out.append(resultsTable(table))
        var citations: [Int: String] = [:]
        for entry in table.literature { if let reference = entry.reference { citations[reference] = entry.citation } }
        if !citations.isEmpty {
            out.append("<ol class=\"muted\">" + citations.keys.sorted().map { "<li value=\"\($0)\">\(escape(citations[$0]!))</li>" }.joined() + "</ol>")
        }
        if !table.comparisons.isEmpty {
            out.append("<details><summary>The paired tests in full</summary><ul>" + table.comparisons.map { "<li>\(inline(Format.comparisonLine($0)))</li>" }.joined() + "</ul></details>")
        }
        for model in table.models where model.hasResults || !model.foldResults.isEmpty {
            out.append(modelSection(model, curves: experiment?.curves[model.name]))
        }
        if let experiment, let samples = experiment.latestSamples, let grid = sampleGrid(samples, classNames: experiment.classNames, results: results) {
            out.append(grid)
        }
        if !table.notes.isEmpty {
            out.append("<h3>Protocol notes</h3><ul>" + table.notes.map { "<li>\(inline($0))</li>" }.joined() + "</ul>")
        }
        if let experiment { out.append(provenance(experiment)) }
        out.append("</section>")
        return out.joined(separator: "\n")
    }

    static func resultsTable(_ table: ReportTable) -> String {
        var rows = ["<table class=\"results\"><thead><tr><th>Method</th><th>Setting</th><th class=\"num\">Accuracy (%)</th><th class=\"num\">Folds</th><th class=\"num\">Runs</th><th class=\"num\">Epochs</th></tr></thead><tbody>"]
        for row in Format.rows(table) {
            let method = escape(row.method) + (row.reference.map { " <span class=\"muted\">[\($0)]</span>" } ?? "")
            rows.append("<tr class=\"\(row.source.rawValue)\"><td>\(method)</td><td>\(escape(row.setting))</td><td class=\"num\">\(escape(Format.accuracy(row)))</td><td class=\"num\">\(row.folds)</td><td class=\"num\">\(row.runs)</td><td class=\"num\">\(row.epochs)</td></tr>")
        }
        rows.append("</tbody></table>")
        return rows.joined(separator: "\n")
    }

    static func provenance(_ data: ExperimentData) -> String {
        let p = data.record.provenance
        var items: [(String, String)] = [
            ("experiment", "\(data.record.name) (spec \(data.record.specHash.prefix(12)))"),
            ("created", data.record.createdAt),
            ("exp", p.toolVersion),
            ("commit", (p.gitCommit.map { String($0.prefix(12)) } ?? "unknown") + (p.gitDirty == true ? " (uncommitted changes)" : "")),
            ("CPU", p.cpu), ("OS", p.os), ("BLAS", "\(p.blasConfig), \(p.blasThreads) thread(s) per job"),
            ("dataset fingerprint", p.datasetFingerprint ?? "synthetic data"),
            ("numerics", data.record.numerics ?? "an engine before numerics versions"),
        ]
        if !data.machines.isEmpty { items.append(("computed on", data.machines.joined(separator: "; "))) }
        if !data.record.overrides.isEmpty { items.append(("overrides", data.record.overrides.joined(separator: " "))) }
        return "<h3>Provenance</h3><dl class=\"provenance\">" + items.map { "<dt>\(escape($0.0))</dt><dd>\(escape($0.1))</dd>" }.joined() + "</dl>"
    }

    static func modelSection(_ model: ModelResult, curves: [String: [CurvePoint]]?) -> String {
        var out = ["<h3>\(escape(model.name)) <span class=\"muted\">(\(escape(model.kind)))</span></h3>"]
        out.append("<p>Runs (pooled over folds): \(escape(Format.runsLine(model)))</p>")
        if let curves, !LearningCurveSVG.panels(curves).isEmpty {
            out.append("<figure>\(LearningCurveSVG.render(model: model.name, curves: curves))</figure>")
        }
        if model.hasResults, !model.confusion.isEmpty {
            let names = model.classes.map(\.name)
            out.append("<div class=\"pair\">")
            out.append(heatMap(model.confusion, names: names, normalised: false))
            out.append(heatMap(model.confusion, names: names, normalised: true))
            out.append("</div>")
            out.append("<p>Classification report (test predictions of the completed folds, all runs pooled):</p>")
            out.append("<pre>\(escape(ClassificationReport(confusion: model.confusion, names: names).text))</pre>")
        }
        return out.joined(separator: "\n")
    }

    /// A confusion matrix as a table whose cells are shaded by their row share.
    static func heatMap(_ confusion: [[Int]], names: [String], normalised: Bool) -> String {
        var out = ["<table class=\"heat\"><caption>\(normalised ? "Row-normalised (%)" : "Counts") <span class=\"muted\">rows: true class, columns: predicted</span></caption>"]
        out.append("<tr><th></th>" + names.map { "<th>\(escape($0))</th>" }.joined() + "</tr>")
        for (i, row) in confusion.enumerated() {
            let total = max(1, row.reduce(0, +))
            let cells = row.map { count -> String in
                let share = Double(count) / Double(total)
                let text = normalised ? String(format: "%.1f", 100 * share) : String(count)
                let lightness = 97 - 55 * share
                let ink = share > 0.55 ? "#fff" : "#222"
                return "<td style=\"background: hsl(212, 70%, \(String(format: "%.0f", lightness))%); color: \(ink)\">\(text)</td>"
            }
            out.append("<tr><th>\(escape(i < names.count ? names[i] : "class \(i)"))</th>" + cells.joined() + "</tr>")
        }
        out.append("</table>")
        return out.joined(separator: "\n")
    }

    /// The grid PNG inline, enlarged so that each face is about 120 px, with its rows labelled.
    static func sampleGrid(_ samples: SampleGridRecord, classNames: [String], results: String) -> String? {
        let source = samples.path.hasPrefix("/") ? samples.path : (results as NSString).appendingPathComponent(samples.path)
        guard let bytes = FileManager.default.contents(atPath: source), let (width, height) = pngSize([UInt8](bytes)), width > 0 else { return nil }
        let face = width / 2, rows = max(1, height / max(1, face))
        let scale = max(1, 120 / max(1, face))
        let rowHeight = face * scale
        let labels = (0..<rows).map { i in i < samples.rowLabels.count && samples.rowLabels[i] < classNames.count ? classNames[samples.rowLabels[i]] : "" }
        var out = ["<h3>Translation samples</h3>", "<figure><div class=\"grid\"><div class=\"labels\">"]
        out += labels.map { "<div style=\"height: \(rowHeight)px\">\(escape($0))</div>" }
        out.append("</div><img alt=\"sample grid: human inputs and generated characters\" width=\"\(width * scale)\" height=\"\(height * scale)\" src=\"data:image/png;base64,\(bytes.base64EncodedString())\"></div>")
        let epoch = samples.epoch.map { "epoch \($0), " } ?? ""
        out.append("<figcaption>\(escape(samples.model)), run \(samples.run) fold \(samples.fold), \(epoch)left: the test face, right: the character the generator made of it; rows labelled with the face's true expression.</figcaption></figure>")
        return out.joined(separator: "\n")
    }

    /// Width and height from a PNG's IHDR chunk; nil for anything else.
    static func pngSize(_ b: [UInt8]) -> (Int, Int)? {
        guard b.count >= 24, b.starts(with: [0x89, 0x50, 0x4E, 0x47]), Array(b[12..<16]) == Array("IHDR".utf8) else { return nil }
        func word(_ at: Int) -> Int { b[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (word(16), word(20))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Escaped text with `code` spans.
    static func inline(_ text: String) -> String {
        let parts = escape(text).components(separatedBy: "`")
        return parts.enumerated().map { $0.offset % 2 == 1 && $0.offset < parts.count - 1 ? "<code>\($0.element)</code>" : $0.element }.joined()
    }
}
