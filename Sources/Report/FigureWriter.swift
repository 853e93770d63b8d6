// FigureWriter: the figures of a Markdown report, in a folder named after it (`report.md` ->
// `report-figures/`): one learning-curve SVG per model and a copy of the experiment's latest
// sample grid (human inputs and generated characters), linked by relative paths.

import Foundation

enum FigureWriter {
    static func write(_ report: Report, data: [ExperimentData], results: String, markdownPath: String) throws -> [Int: FigureLinks] {
        let markdown = URL(fileURLWithPath: markdownPath)
        let folderName = markdown.deletingPathExtension().lastPathComponent + "-figures"
        let folder = markdown.deletingLastPathComponent().appendingPathComponent(folderName)
        var links: [Int: FigureLinks] = [:]
        for (index, table) in report.tables.enumerated() {
            guard let info = table.experiment, let experiment = data.first(where: { $0.record.specHash.hasPrefix(info.hash) }) else { continue }
            var figure = FigureLinks()
            let prefix = "\(table.table)-\(slug(info.name))"
            for model in table.models {
                guard let curves = experiment.curves[model.name], !LearningCurveSVG.panels(curves).isEmpty else { continue }
                let name = "\(prefix)-\(slug(model.name))-curves.svg"
                try save(Data(LearningCurveSVG.render(model: model.name, curves: curves).utf8), folder: folder, name: name)
                figure.curves[model.name] = "\(folderName)/\(name)"
            }
            if let samples = experiment.latestSamples {
                // The log keeps paths relative to the results folder; an absolute one is taken as is.
                let source = samples.path.hasPrefix("/")
                    ? URL(fileURLWithPath: samples.path) : URL(fileURLWithPath: results).appendingPathComponent(samples.path)
                if let bytes = FileManager.default.contents(atPath: source.path) {
                    let name = "\(prefix)-samples.png"
                    try save(bytes, folder: folder, name: name)
                    figure.samples = "\(folderName)/\(name)"
                }
            }
            links[index] = figure
        }
        return links
    }

    static func save(_ bytes: Data, folder: URL, name: String) throws {
        let path = folder.appendingPathComponent(name).path
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try bytes.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ReportError.figure(path: path, reason: "cannot be written (\(error.localizedDescription))")
        }
    }

    /// A file-name-safe form of a name: letters and digits kept, runs of others as one "-".
    static func slug(_ name: String) -> String {
        var out = ""
        for ch in name.lowercased() {
            if ch.isASCII && (ch.isLetter || ch.isNumber) { out.append(ch) } else if out.last != "-" { out.append("-") }
        }
        while out.last == "-" { out.removeLast() }
        return out.isEmpty ? "model" : out
    }
}
