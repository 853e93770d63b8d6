// The synthetic human faces as a dataset kind ("synthetic"), generated in memory: each subject has
// one sequence per expression, from neutral to the peak as in CK+, and the last frames of each
// sequence are its labelled images (the first frame is the neutral image when the class set has
// neutral). The images are drawn at `size` pixels, so no resizing blurs them.

import FaceData
import Foundation
import Vocabulary

public struct SyntheticDatasetLoader: DatasetLoader {
    public let kind = "synthetic"
    public let options: [String: String] = [
        "subjects": "number of generated subjects, 2...10000 (default 24)",
        "imagesPerExpression": "labelled frames taken from the end of each sequence, 1...100 (default 3)",
        "size": "side of the square images in pixels, 16...512 (default 64)",
        "channels": "1 (gray, default) or 3 (RGB)",
        "seed": "generator seed (default 1)",
    ]

    public init() {}

    public func load(_ description: DatasetDescription) throws -> Dataset {
        let subjects = try description.intOption("subjects", default: 24, range: 2...10_000)
        let frames = try description.intOption("imagesPerExpression", default: 3, range: 1...100)
        let size = try description.intOption("size", default: 64, range: 16...512)
        let channels = try description.intOption("channels", default: 1, range: 1...3)
        guard channels != 2 else { throw DataError.badOption(key: "channels", value: "2", expected: "1 or 3") }
        let seed = try description.intOption("seed", default: 1, range: 0...Int.max)
        let classes = description.classes
        guard !classes.expressions.contains(.contempt) else {
            throw DataError.badOption(key: "classes", value: classes.rawValue,
                                      expected: "basic6 or basic7 (\(Expression.contemptNotDrawable))")
        }
        let emotions = Vocabulary.Expression.basic6
        // Two frames lead up to the labelled ones, so the labelled frames are near the peak.
        let humans = SyntheticHumans(subjects: subjects, seed: UInt64(seed), size: size, channels: channels,
                                     classes: emotions, sequencesPerClass: 1, framesPerSequence: frames + 2)
        var samples: [Sample] = []
        for s in 0..<subjects {
            let subject = humans.subjects[s].name
            for q in 0..<humans.sequencesPerSubject {
                let expression = humans.label(sequence: q)
                guard let label = classes.label(of: expression) else { continue }
                let sequence = String(format: "%03d", q + 1)
                for f in 2..<(frames + 2) {
                    let r = humans.record(subject: s, sequence: q, frame: f)
                    samples.append(Sample(source: .memory(r.image), label: label, expression: expression,
                                          subject: subject, sequence: sequence, frame: f))
                }
                if let neutral = classes.label(of: .neutral) {
                    let r = humans.record(subject: s, sequence: q, frame: 0)
                    samples.append(Sample(source: .memory(r.image), label: neutral, expression: .neutral,
                                          subject: subject, sequence: sequence, frame: 0))
                }
            }
        }
        return Dataset(description: description, classes: classes.expressions, samples: samples)
    }
}
