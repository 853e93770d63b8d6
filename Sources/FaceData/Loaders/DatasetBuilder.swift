// DatasetBuilder: the bookkeeping every loader shares: mapping expressions to labels of the class
// set, recording skipped files and unknown labels, and adding the frames chosen from a sequence
// (the peak frames with the sequence's label, the first frame as neutral when the class set has it).

import Vocabulary

struct DatasetBuilder {
    let description: DatasetDescription
    var samples: [Sample] = []
    var skipped: [SkippedFile] = []
    var unknownLabels: [String: Int] = [:]
    var selections: [SequenceFrames] = []

    init(_ description: DatasetDescription) { self.description = description }

    var classes: ClassSet { description.classes }

    /// Adds one image; an expression outside the class set is recorded as skipped.
    mutating func add(path: String, expression: Expression, subject: String, sequence: String? = nil,
                      frame: Int? = nil, landmarks: [Point]? = nil) {
        guard let label = classes.label(of: expression) else {
            skipped.append(SkippedFile(path: path, reason: "\(expression.rawValue) is not in class set \(classes.rawValue)"))
            return
        }
        samples.append(Sample(source: .file(path), label: label, expression: expression, subject: subject,
                              sequence: sequence, frame: frame, landmarks: landmarks))
    }

    mutating func unknown(_ label: String, path: String) {
        unknownLabels[label, default: 0] += 1
        skipped.append(SkippedFile(path: path, reason: "unknown label '\(label)'"))
    }

    /// Adds the chosen frames of a labelled sequence. `frames` maps frame numbers to paths;
    /// `landmarks` gives the landmarks of a frame when the dataset has them.
    mutating func addSequence(folder: String, frames: [Int: String], expression: Expression, subject: String,
                              sequence: String, chosen: [Int], landmarks: (Int) throws -> [Point]?) rethrows {
        let sorted = frames.keys.sorted()
        guard classes.label(of: expression) != nil || classes.includesNeutral else {
            skipped.append(SkippedFile(path: folder, reason: "\(expression.rawValue) is not in class set \(classes.rawValue)"))
            return
        }
        var neutral: Int?
        if classes.includesNeutral, let first = sorted.first, !chosen.contains(first) {
            neutral = first
            add(path: frames[first]!, expression: .neutral, subject: subject, sequence: sequence, frame: first,
                landmarks: try landmarks(first))
        }
        var taken: [Int] = []
        if classes.label(of: expression) != nil {
            for f in chosen {
                add(path: frames[f]!, expression: expression, subject: subject, sequence: sequence, frame: f,
                    landmarks: try landmarks(f))
            }
            taken = chosen
        } else {
            skipped.append(SkippedFile(path: folder, reason: "\(expression.rawValue) is not in class set \(classes.rawValue); first frame kept as neutral"))
        }
        selections.append(SequenceFrames(subject: subject, sequence: sequence, expression: expression,
                                         framesAvailable: sorted.count, chosen: taken, neutral: neutral))
    }

    func build() -> Dataset {
        Dataset(description: description, classes: classes.expressions, samples: samples, skipped: skipped,
                unknownLabels: unknownLabels, selections: selections)
    }
}

/// Frame numbers to file paths for the images of one sequence folder (frame number from the end of
/// the name; files without one are numbered by their sorted position).
func sequenceFrames(_ folder: String) throws -> [Int: String] {
    let names = try FileSystem.images(folder)
    var frames: [Int: String] = [:]
    let numbered = names.allSatisfy { FileSystem.trailingNumber($0) != nil }
    for (i, name) in names.enumerated() {
        frames[numbered ? FileSystem.trailingNumber(name)! : i + 1] = FileSystem.join(folder, name)
    }
    return frames
}
