// ProtocolNotes: plain sentences saying where an experiment's protocol differs from the paper's
// (section 5: 200 epochs, 110 augmented variants per training image, 80x80 images with 75x75
// crops, 10 subject-independent folds, 2 runs, six expressions), and which jobs did not finish.

import Vocabulary

enum ProtocolNotes {
    static func notes(_ data: ExperimentData) -> [String] {
        let spec = data.spec
        var notes: [String] = []
        for model in spec.models where model.epochs < PaperProtocol.epochs {
            notes.append("\(model.name): \(model.epochs) epochs (paper: \(PaperProtocol.epochs)).")
        }
        if spec.dataset.augmentation != .paper110 {
            let variants = spec.dataset.augmentation.variants
            let list = variants.count <= 4 ? " (" + variants.map(\.description).joined(separator: ", ") + ")" : ""
            notes.append("Augmentation: \(variants.count) variant\(variants.count == 1 ? "" : "s") per training image\(list) (paper: 110, 5 crops x 11 rotations x flip).")
        }
        if spec.dataset.imageSize != PaperProtocol.imageSize || spec.dataset.cropSize != PaperProtocol.cropSize {
            notes.append("Images \(spec.dataset.imageSize)x\(spec.dataset.imageSize) cropped to \(spec.dataset.cropSize)x\(spec.dataset.cropSize) (paper: \(PaperProtocol.imageSize)x\(PaperProtocol.imageSize), crops \(PaperProtocol.cropSize)x\(PaperProtocol.cropSize)).")
        }
        if data.classNames.count != PaperProtocol.classes {
            notes.append("\(data.classNames.count) classes: \(data.classNames.joined(separator: ", ")) (paper: \(PaperProtocol.classes) expressions).")
        }
        if spec.protocol.folds < PaperProtocol.folds {
            notes.append("\(spec.protocol.folds) folds (paper: \(PaperProtocol.folds)).")
        }
        if spec.protocol.runs < PaperProtocol.runs {
            notes.append("\(spec.protocol.runs) run\(spec.protocol.runs == 1 ? "" : "s") (paper: \(PaperProtocol.runs)); no standard deviation over runs.")
        }
        let done = data.jobs.filter { $0.job.status == .completed }.count
        if done < data.jobs.count {
            notes.append("Incomplete experiment: \(done) of \(data.jobs.count) jobs done; accuracies pool the completed folds only.")
        }
        for result in data.jobs where result.job.status == .failed || result.job.status == .diverged {
            let job = result.job
            let why = job.error.map { ": " + firstLine($0) } ?? ""
            notes.append("\(job.modelName) run \(job.run) fold \(job.fold) \(job.status.rawValue) after \(job.epochsDone) of \(job.epochsPlanned) epochs\(why); not counted.")
        }
        return notes
    }

    private static func firstLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.count > 120 ? String(line.prefix(117)) + "..." : line
    }
}
