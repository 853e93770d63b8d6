// LearningCurveSVG: a model's learning curves as a standalone SVG: losses (top-level keys such as
// `loss`, `loss.d`, `loss.g`) in the upper panel and accuracies in the lower one, each the mean
// over the model's jobs per epoch (the `learning_curves` view) drawn over a band from the lowest to
// the highest job. NaN and infinite means leave gaps. The legend sits under each panel, wrapped to
// its width, so long keys are never cut.

import Foundation

enum LearningCurveSVG {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    /// One colour per metric, the same in every chart of a page.
    static let metricColors: [String: String] = [
        "accuracy.test": "#1f77b4", "accuracy.validation": "#2ca02c", "accuracy.train": "#ff7f0e",
        "accuracy.real_pairs": "#8c564b", "accuracy.generated_pairs": "#e377c2",
        "loss": "#444444", "loss.d": "#d62728", "loss.g": "#9467bd",
    ]
    /// Models' colours, by their place in the spec (another set than the metrics').
    static let modelPalette = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"]

    static func metricColor(_ key: String) -> String {
        if let c = metricColors[key] { return c }
        let sum = key.unicodeScalars.reduce(0) { $0 &+ Int($1.value) }
        return palette[sum % palette.count]
    }

    static func modelColor(_ index: Int) -> String { modelPalette[index % modelPalette.count] }

    /// The models' test accuracies (percent) in one chart, each in its model's colour; nil when
    /// fewer than two models have a test curve.
    static func overlay(_ models: [String], curves: [String: [String: [CurvePoint]]]) -> String? {
        var byModel: [String: [CurvePoint]] = [:]
        for m in models { if let c = curves[m]?["accuracy.test"], !c.isEmpty { byModel[m] = c } }
        let shown = models.filter { byModel[$0] != nil }
        guard shown.count >= 2 else { return nil }
        let title = "Test accuracy (%), mean over jobs, band: lowest to highest"
        let height = 30 + panelHeight(shown)
        var svg = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
        ]
        svg += panel(title, keys: shown, curves: byModel, top: 10, percent: true) { i, _ in
            modelColor(models.firstIndex(of: shown[i]) ?? i)
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }
    static let width = 640.0, plotHeight = 200.0
    static let margin = (left: 60.0, right: 16.0, top: 28.0, bottom: 36.0)
    /// Legend rows: an entry takes its text's width (about 6.5 px a character at 11 px) plus the swatch.
    static let legendRow = 16.0

    /// The curves to draw: losses without sub-terms, and accuracies.
    static func panels(_ curves: [String: [CurvePoint]]) -> [(title: String, keys: [String])] {
        let keys = curves.keys.sorted()
        let losses = keys.filter { $0.hasPrefix("loss") && $0.filter { $0 == "." }.count <= 1 }
        let accuracies = keys.filter { $0.hasPrefix("accuracy") }
        return [("Loss (mean over jobs, band: lowest to highest)", losses), ("Accuracy (%, mean over jobs, band: lowest to highest)", accuracies)]
            .filter { !$0.keys.isEmpty }
    }

    /// Legend entries placed left to right, wrapping at the panel's width: (key, x, row).
    static func legendLayout(_ keys: [String]) -> [(key: String, x: Double, row: Int)] {
        var out: [(String, Double, Int)] = []
        var x = margin.left, row = 0
        for key in keys {
            let entry = 26 + 6.5 * Double(key.count) + 14
            if x + entry > width - margin.right && x > margin.left {
                row += 1
                x = margin.left
            }
            out.append((key, x, row))
            x += entry
        }
        return out
    }

    static func panelHeight(_ keys: [String]) -> Double {
        margin.top + plotHeight + margin.bottom + Double((legendLayout(keys).last?.row ?? 0) + 1) * legendRow + 8
    }

    static func render(model: String, curves: [String: [CurvePoint]]) -> String {
        let panels = panels(curves)
        let height = panels.reduce(30.0) { $0 + panelHeight($1.keys) }
        var svg = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(Int(width / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">\(xml(model)): learning curves</text>",
        ]
        var top = 30.0
        for panel in panels {
            svg += self.panel(panel.title, keys: panel.keys, curves: curves, top: top, percent: panel.title.hasPrefix("Accuracy")) { _, key in
                metricColor(key)
            }
            top += panelHeight(panel.keys)
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten, about five.
    static func ticks(_ low: Double, _ high: Double, count: Double = 5) -> [Double] {
        let span = high - low
        guard span > 0, span.isFinite else { return [low] }
        let raw = span / count, power = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        var out: [Double] = []
        var v = ceil(low / step) * step
        while v <= high + step * 1e-9 {
            out.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return out
    }

    /// One panel; `percent` draws fractions as percentages (0 to 100); `color` gives the i-th
    /// key's colour.
    static func panel(_ title: String, keys: [String], curves given: [String: [CurvePoint]], top: Double, percent: Bool,
                      color: (Int, String) -> String) -> [String] {
        let scale = percent ? 100.0 : 1.0
        let curves = given.mapValues { points in
            points.map { p -> CurvePoint in
                var q = p
                q.mean = p.mean.map { $0 * scale }
                q.low = p.low.map { $0 * scale }
                q.high = p.high.map { $0 * scale }
                return q
            }
        }
        let points = keys.flatMap { curves[$0] ?? [] }
        let values = points.flatMap { [$0.mean, $0.low, $0.high].compactMap { $0 } }.filter(\.isFinite)
        let epochs = points.map(\.epoch)
        let x0 = Double(epochs.min() ?? 1), x1 = Double(max(epochs.max() ?? 1, (epochs.min() ?? 1) + 1))
        var y0 = values.min() ?? 0, y1 = values.max() ?? 1
        // Losses are non-negative and accuracies fractions: both axes start at 0.
        y0 = min(y0, 0)
        if percent { y1 = max(y1, 100) }
        if y1 - y0 < 1e-12 { y1 = y0 + 1 }
        let left = margin.left, right = width - margin.right, plotTop = top + margin.top, bottom = plotTop + plotHeight
        func x(_ epoch: Double) -> Double { left + (epoch - x0) / (x1 - x0) * (right - left) }
        func y(_ value: Double) -> Double { bottom - (value - y0) / (y1 - y0) * (bottom - plotTop) }
        var out = [
            "<text x=\"\(f(left))\" y=\"\(f(plotTop - 8))\" font-size=\"12\">\(xml(title))</text>",
            "<rect x=\"\(f(left))\" y=\"\(f(plotTop))\" width=\"\(f(right - left))\" height=\"\(f(bottom - plotTop))\" fill=\"none\" stroke=\"#999\"/>",
            "<text x=\"\(f((left + right) / 2))\" y=\"\(f(bottom + 28))\" text-anchor=\"middle\">epoch</text>",
        ]
        for t in ticks(y0, y1) {
            out.append("<line x1=\"\(f(left))\" y1=\"\(f(y(t)))\" x2=\"\(f(right))\" y2=\"\(f(y(t)))\" stroke=\"#eee\"/>")
            out.append("<text x=\"\(f(left - 4))\" y=\"\(f(y(t) + 4))\" text-anchor=\"end\">\(String(format: "%g", t))</text>")
        }
        // An epoch tick for every epoch up to 12, else about ten.
        for t in ticks(x0, x1, count: min(10, max(1, x1 - x0))) where t == t.rounded() {
            out.append("<line x1=\"\(f(x(t)))\" y1=\"\(f(bottom))\" x2=\"\(f(x(t)))\" y2=\"\(f(bottom + 4))\" stroke=\"#999\"/>")
            out.append("<text x=\"\(f(x(t)))\" y=\"\(f(bottom + 15))\" text-anchor=\"middle\">\(Int(t))</text>")
        }
        for (i, key) in keys.enumerated() {
            let color = color(i, key)
            let curve = curves[key] ?? []
            // The band: lowest to highest job, where both are finite and more than one job reported.
            let band = curve.filter { p in p.points > 1 && (p.low?.isFinite ?? false) && (p.high?.isFinite ?? false) }
            if band.count > 1 {
                let upper = band.map { "\(f(x(Double($0.epoch)))),\(f(y($0.high!)))" }
                let lower = band.reversed().map { "\(f(x(Double($0.epoch)))),\(f(y($0.low!)))" }
                out.append("<polygon fill=\"\(color)\" fill-opacity=\"0.15\" stroke=\"none\" points=\"\((upper + lower).joined(separator: " "))\"/>")
            }
            // Consecutive finite means form one polyline; a NaN mean breaks it.
            var segments: [[String]] = [[]]
            for p in curve {
                if let v = p.mean, v.isFinite {
                    segments[segments.count - 1].append("\(f(x(Double(p.epoch)))),\(f(y(v)))")
                } else if !(segments.last?.isEmpty ?? true) {
                    segments.append([])
                }
            }
            for segment in segments where !segment.isEmpty {
                if segment.count == 1 {
                    let xy = segment[0].split(separator: ",")
                    out.append("<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.5\" fill=\"\(color)\"/>")
                } else {
                    out.append("<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(segment.joined(separator: " "))\"/>")
                }
            }
        }
        for (i, entry) in legendLayout(keys).enumerated() {
            let color = color(i, entry.key)
            let ly = bottom + margin.bottom + Double(entry.row) * legendRow + 10
            out.append("<line x1=\"\(f(entry.x))\" y1=\"\(f(ly - 4))\" x2=\"\(f(entry.x + 20))\" y2=\"\(f(ly - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>")
            out.append("<text x=\"\(f(entry.x + 26))\" y=\"\(f(ly))\">\(xml(entry.key))</text>")
        }
        return out
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func xml(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// The colours of the report's charts: one per metric and one per model (by its place in the
/// spec), the same in every chart of a page.
public enum LearningCurveColors {
    public static func metric(_ key: String) -> String { LearningCurveSVG.metricColor(key) }
    public static func model(_ index: Int) -> String { LearningCurveSVG.modelColor(index) }
}

/// One job's metrics as learning-curve figures (losses and accuracies, in percent), for the
/// pages of `exp serve`.
public enum JobCurves {
    public static func svg(title: String, points: [(key: String, epoch: Int, value: Double)]) -> String? {
        var curves: [String: [CurvePoint]] = [:]
        for p in points.sorted(by: { $0.epoch < $1.epoch }) {
            let value: Double? = p.value.isFinite ? p.value : nil
            curves[p.key, default: []].append(CurvePoint(epoch: p.epoch, mean: value, points: 1, nanCount: value == nil ? 1 : 0))
        }
        guard !LearningCurveSVG.panels(curves).isEmpty else { return nil }
        return LearningCurveSVG.render(model: title, curves: curves)
    }
}
