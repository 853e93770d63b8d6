// `exp predict`'s output: a text table (one row per image: the expression and every class
// probability, and with detection the face box) or JSON (an object per image with the
// probabilities at full Float precision and, with detection, the box, the 68 landmarks and how
// many faces dlib found).

import FaceData
import Foundation

public enum PredictionFormat: String, CaseIterable, Sendable {
    case text, json
}

extension Predictor {
    /// The predictions rendered for standard output, ending with a newline.
    public func render(_ predictions: [ImagePrediction], format: PredictionFormat) -> String {
        render(predictions.map(ImageOutcome.predicted), format: format)
    }

    /// Each image's prediction, or its error (an `error:` line after the table in text; an object
    /// with `error` in JSON), in the order given.
    public func render(_ outcomes: [ImageOutcome], format: PredictionFormat) -> String {
        switch format {
        case .text:
            let failed = outcomes.compactMap { o -> String? in if case .failed(let image, let message) = o { "error: \(image): \(message)" } else { nil } }
            return text(outcomes.compactMap { if case .predicted(let p) = $0 { p } else { nil } }) + failed.map { $0 + "\n" }.joined()
        case .json: return json(outcomes)
        }
    }

    private func text(_ predictions: [ImagePrediction]) -> String {
        let model = modelKind == "hagan" ? "HA-GAN" : "CNN baseline"
        let subjects = trainingSubjects.map { "trained on \($0.count) subjects" } ?? "training subjects not recorded"
        let job = origin
        let from = [job.experiment.map { "experiment \($0)" }, job.job].compactMap { $0 }.joined(separator: ", ")
        var out = "# \(checkpointPath): \(model), epoch \(epoch)" + (from.isEmpty ? "" : " (\(from))")
            + (generatorSummary.map { "; \($0)" } ?? "") + "; \(subjects)\n"
        let withCharacters = predictions.contains { $0.characterImage != nil }
        let withFaces = predictions.contains { $0.face != nil }
        let header = ["image", "expression"] + setup.classes + (withCharacters ? ["character"] : []) + (withFaces ? ["face"] : [])
        let rows = predictions.map { p in
            [p.image, p.expression] + p.probabilities.map { String(format: "%.4f", Double($0)) }
                + (withCharacters ? [p.characterImage ?? "-"] : []) + (withFaces ? [faceCell(p.face)] : [])
        }
        let widths = header.indices.map { i in ([header] + rows).map { $0[i].count }.max() ?? 0 }
        for row in [header] + rows {
            out += zip(row, widths).enumerated().map { i, cell in
                let pad = String(repeating: " ", count: cell.1 - cell.0.count)
                return i >= 2 && i < 2 + setup.classes.count ? pad + cell.0 : cell.0 + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) + "\n"
        }
        return out
    }

    /// "WxH at x,y", and how many faces there were when more than one.
    private func faceCell(_ finding: FaceFinding?) -> String {
        guard let finding, let b = finding.face?.box else { return "-" }
        let several = finding.faces > 1 ? " (largest of \(finding.faces))" : ""
        return "\(Int(b.width))x\(Int(b.height)) at \(Int(b.left)),\(Int(b.top))\(several)"
    }

    private struct JSONFace: Encodable {
        var box: FaceBox
        /// dlib's detection score of the face (not a probability of the expression).
        var detectorScore: Double
        var landmarks: [[Float]]
        /// Faces dlib found; the largest is the one used.
        var faces: Int
    }

    private struct JSONRow: Encodable {
        var image: String
        var expression: String?
        var label: Int?
        var probabilities: [String: Float]?
        var character: String?
        var face: JSONFace?
        /// Why the image has no prediction.
        var error: String?
    }

    private struct JSONDocument: Encodable {
        var checkpoint: String
        var model: String
        var job: JobOrigin
        var epoch: Int
        var classes: [String]
        /// Null when the checkpoint predates recording them.
        var trainingSubjects: [String]?
        var predictions: [JSONRow]

        func encode(to encoder: Encoder) throws {
            enum Key: String, CodingKey { case checkpoint, model, job, epoch, classes, trainingSubjects, predictions }
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(checkpoint, forKey: .checkpoint)
            try c.encode(model, forKey: .model)
            try c.encode(job, forKey: .job)
            try c.encode(epoch, forKey: .epoch)
            try c.encode(classes, forKey: .classes)
            try c.encode(trainingSubjects, forKey: .trainingSubjects)
            try c.encode(predictions, forKey: .predictions)
        }
    }

    private func json(_ outcomes: [ImageOutcome]) -> String {
        let rows = outcomes.map { outcome -> JSONRow in
            switch outcome {
            case .failed(let image, let message):
                return JSONRow(image: image, error: message)
            case .predicted(let p):
                return JSONRow(image: p.image, expression: p.expression, label: p.label,
                               probabilities: Dictionary(uniqueKeysWithValues: zip(setup.classes, p.probabilities)),
                               character: p.characterImage,
                               face: p.face.flatMap { f in
                                   f.face.map { JSONFace(box: $0.box, detectorScore: $0.confidence, landmarks: $0.landmarks.map { [$0.x, $0.y] }, faces: f.faces) }
                               })
            }
        }
        let document = JSONDocument(checkpoint: checkpointPath, model: modelKind, job: origin, epoch: epoch, classes: setup.classes,
                                    trainingSubjects: trainingSubjects, predictions: rows)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(document)) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
