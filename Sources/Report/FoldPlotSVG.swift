// FoldPlotSVG: every model's test accuracy per (run, fold) side by side, one column of dots per
// model, with a thin line joining the same (run, fold) across models (the pairs the paired test
// compares) and a bar at each model's mean over them.

import Foundation

enum FoldPlotSVG {
    static func render(_ models: [ModelResult]) -> String? {
        let shown = models.filter { $0.foldResults.contains { $0.accuracy != nil } }
        guard !shown.isEmpty else { return nil }
        let column = 150.0, left = 56.0, top = 20.0, plotHeight = 220.0
        let width = left + column * Double(shown.count) + 20, height = top + plotHeight + 44
        let values = shown.flatMap { $0.foldResults.compactMap(\.accuracy) }.map { $0 * 100 }
        var low = floor(((values.min() ?? 0) - 2) / 5) * 5, high = min(100, ceil(((values.max() ?? 100) + 2) / 5) * 5)
        if high - low < 10 { low = max(0, high - 10) }
        if high <= low { high = low + 10 }
        func y(_ v: Double) -> Double { top + plotHeight - (v - low) / (high - low) * plotHeight }
        func x(_ model: Int, _ index: Int, _ count: Int) -> Double {
            // Dots spread a little inside their column so equal values stay visible.
            let centre = left + column * (Double(model) + 0.5)
            return count > 1 ? centre - 30 + 60 * Double(index) / Double(count - 1) : centre
        }
        var svg = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(column * Double(shown.count)))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#999\"/>",
        ]
        for t in LearningCurveSVG.ticks(low, high) {
            svg.append("<line x1=\"\(f(left))\" y1=\"\(f(y(t)))\" x2=\"\(f(left + column * Double(shown.count)))\" y2=\"\(f(y(t)))\" stroke=\"#eee\"/>")
            svg.append("<text x=\"\(f(left - 4))\" y=\"\(f(y(t) + 4))\" text-anchor=\"end\">\(String(format: "%g", t))</text>")
        }
        svg.append("<text transform=\"translate(14 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">test accuracy (%)</text>")
        // The (run, fold) pairs in a fixed order, so each has the same horizontal offset in every column.
        let keys = Array(Set(shown.flatMap { $0.foldResults.filter { $0.accuracy != nil }.map { "\($0.run)/\($0.fold)" } }))
            .sorted { a, b in a.split(separator: "/").compactMap { Int($0) }.lexicographicallyPrecedes(b.split(separator: "/").compactMap { Int($0) }) }
        let index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        func point(_ m: Int, _ r: FoldResult) -> (Double, Double)? {
            guard let a = r.accuracy, let i = index["\(r.run)/\(r.fold)"] else { return nil }
            return (x(m, i, keys.count), y(a * 100))
        }
        for m in 0..<(shown.count - 1) {
            for r in shown[m].foldResults {
                guard let p = point(m, r), let next = shown[m + 1].foldResults.first(where: { $0.run == r.run && $0.fold == r.fold }),
                      let q = point(m + 1, next) else { continue }
                svg.append("<line x1=\"\(f(p.0))\" y1=\"\(f(p.1))\" x2=\"\(f(q.0))\" y2=\"\(f(q.1))\" stroke=\"#bbb\" stroke-width=\"0.8\"/>")
            }
        }
        for (m, model) in shown.enumerated() {
            let color = LearningCurveSVG.modelColor(m)
            let accuracies = model.foldResults.compactMap(\.accuracy)
            for r in model.foldResults {
                guard let p = point(m, r) else { continue }
                svg.append("<circle cx=\"\(f(p.0))\" cy=\"\(f(p.1))\" r=\"3.5\" fill=\"\(color)\" fill-opacity=\"0.8\"><title>run \(r.run) fold \(r.fold): \(String(format: "%.2f", 100 * (r.accuracy ?? 0)))%</title></circle>")
            }
            let mean = 100 * accuracies.reduce(0, +) / Double(max(1, accuracies.count))
            let centre = left + column * (Double(m) + 0.5)
            svg.append("<line x1=\"\(f(centre - 40))\" y1=\"\(f(y(mean)))\" x2=\"\(f(centre + 40))\" y2=\"\(f(y(mean)))\" stroke=\"black\" stroke-width=\"2\"/>")
            svg.append("<text x=\"\(f(centre))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\">\(LearningCurveSVG.xml(model.name))</text>")
            svg.append("<text x=\"\(f(centre))\" y=\"\(f(top + plotHeight + 30))\" text-anchor=\"middle\" fill=\"#555\">mean of folds \(String(format: "%.2f", mean))</text>")
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }
}
