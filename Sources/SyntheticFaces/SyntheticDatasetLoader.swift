// The synthetic human faces as a dataset kind ("synthetic"), generated in memory: each subject has
// one sequence per expression, from neutral to the peak as in CK+, and the last frames of each
// sequence are its labelled images (the first frame is the neutral image when the class set has
// neutral). The images are drawn at `size` pixels, so no resizing blurs them.

import FaceData
import Foundation
import Vocabulary

public struct SyntheticDatasetLoader: DatasetLoader {
    public let kind = "synthetic"

    public init() {}

    public func load(_ description: DatasetDescription) throws -> Dataset {
        guard case let .synthetic(source) = description.source else { throw DataError.unknownKind(kind: description.kind, known: [kind]) }
        let (subjects, frames, size, channels, seed) = (source.subjects, source.imagesPerExpression, source.size, source.channels, source.seed)
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
