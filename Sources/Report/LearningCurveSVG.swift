// LearningCurveSVG: a model's learning curves as a standalone SVG: losses (top-level keys such as
// `loss`, `loss.d`, `loss.g`) in the upper panel and accuracies in the lower one, each a mean over
// the model's jobs per epoch (the `learning_curves` view). NaN and infinite means leave gaps.

import Foundation

enum LearningCurveSVG {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    static let width = 640.0, panelHeight = 240.0, margin = (left: 60.0, right: 150.0, top: 30.0, bottom: 34.0)

    /// The curves to draw: losses without sub-terms, and accuracies.
    static func panels(_ curves: [String: [CurvePoint]]) -> [(title: String, keys: [String])] {
        let keys = curves.keys.sorted()
        let losses = keys.filter { $0.hasPrefix("loss") && $0.filter { $0 == "." }.count <= 1 }
        let accuracies = keys.filter { $0.hasPrefix("accuracy") }
        return [("Loss (mean over jobs)", losses), ("Accuracy (mean over jobs)", accuracies)].filter { !$0.keys.isEmpty }
    }

    static func render(model: String, curves: [String: [CurvePoint]]) -> String {
        let panels = panels(curves)
        let height = Double(panels.count) * panelHeight + 30
        var svg = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(Int(width / 2))\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">\(xml(model)): learning curves</text>",
        ]
        for (index, panel) in panels.enumerated() {
            svg += self.panel(panel.title, keys: panel.keys, curves: curves, top: 30 + Double(index) * panelHeight)
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    static func panel(_ title: String, keys: [String], curves: [String: [CurvePoint]], top: Double) -> [String] {
        let points = keys.flatMap { curves[$0] ?? [] }
        let values = points.compactMap(\.mean).filter(\.isFinite)
        let epochs = points.map(\.epoch)
        let x0 = Double(epochs.min() ?? 1), x1 = Double(max(epochs.max() ?? 1, (epochs.min() ?? 1) + 1))
        var y0 = values.min() ?? 0, y1 = values.max() ?? 1
        if title.hasPrefix("Accuracy") { y0 = min(y0, 0); y1 = max(y1, 1) }
        if y1 - y0 < 1e-12 { y1 = y0 + 1 }
        let left = margin.left, right = width - margin.right, plotTop = top + margin.top, bottom = top + panelHeight - margin.bottom
        func x(_ epoch: Int) -> Double { left + (Double(epoch) - x0) / (x1 - x0) * (right - left) }
        func y(_ value: Double) -> Double { bottom - (value - y0) / (y1 - y0) * (bottom - plotTop) }
        var out = [
            "<text x=\"\(f(left))\" y=\"\(f(plotTop - 8))\">\(xml(title))</text>",
            "<rect x=\"\(f(left))\" y=\"\(f(plotTop))\" width=\"\(f(right - left))\" height=\"\(f(bottom - plotTop))\" fill=\"none\" stroke=\"#999\"/>",
            "<text x=\"\(f(left - 4))\" y=\"\(f(plotTop + 4))\" text-anchor=\"end\">\(String(format: "%.3g", y1))</text>",
            "<text x=\"\(f(left - 4))\" y=\"\(f(bottom))\" text-anchor=\"end\">\(String(format: "%.3g", y0))</text>",
            "<text x=\"\(f(left))\" y=\"\(f(bottom + 14))\" text-anchor=\"middle\">\(Int(x0))</text>",
            "<text x=\"\(f(right))\" y=\"\(f(bottom + 14))\" text-anchor=\"middle\">\(Int(x1))</text>",
            "<text x=\"\(f((left + right) / 2))\" y=\"\(f(bottom + 26))\" text-anchor=\"middle\">epoch</text>",
        ]
        for (i, key) in keys.enumerated() {
            let color = palette[i % palette.count]
            // Consecutive finite means form one polyline; a NaN mean breaks it.
            var segments: [[String]] = [[]]
            for p in curves[key] ?? [] {
                if let v = p.mean, v.isFinite {
                    segments[segments.count - 1].append("\(f(x(p.epoch))),\(f(y(v)))")
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
            let ly = plotTop + 12 + Double(i) * 14
            out.append("<line x1=\"\(f(right + 10))\" y1=\"\(f(ly - 4))\" x2=\"\(f(right + 28))\" y2=\"\(f(ly - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>")
            out.append("<text x=\"\(f(right + 32))\" y=\"\(f(ly))\">\(xml(key))</text>")
        }
        return out
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func xml(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
