// ProtocolNotes: plain sentences saying where an experiment's protocol differs from the paper's
// (section 5: faces aligned with CE-CLM landmarks, 75x75 crops, 110 augmented variants per
// training image, 10 subject-independent folds, 2 runs, six expressions, FERG-DB characters;
// section 5.1: 200 epochs, batch 130, Adam 0.0002 / 0.5 and no schedule), how the faces were
// aligned (FaceAlignmentNote), every open choice the spec made that is not the paper's reading
// (evaluation networks, D^e on generated pairs, lambda), whether validation subjects were held
// out, and which jobs did not finish.

import Spec
import Vocabulary

enum ProtocolNotes {
    static func notes(_ data: ExperimentData) -> [String] {
        let spec = data.spec
        var notes: [String] = (data.selectionNote.map { [$0] } ?? []) + tuningNotes(spec)
        for model in spec.models where model.epochs < PaperProtocol.epochs {
            notes.append("\(model.name): \(model.epochs) epochs (paper: \(PaperProtocol.epochs)).")
        }
        if spec.dataset.augmentation != .paper110 {
            let variants = spec.dataset.augmentation.variants
            let list = variants.count <= 4 ? " (" + variants.map(\.description).joined(separator: ", ") + ")" : ""
            notes.append("Augmentation: \(variants.count) variant\(variants.count == 1 ? "" : "s") per training image\(list) (paper: 110, 5 crops x 11 rotations x flip).")
        }
        if spec.dataset.cropSize != PaperProtocol.cropSize {
            notes.append("Images \(spec.dataset.imageSize)x\(spec.dataset.imageSize) cropped to \(spec.dataset.cropSize)x\(spec.dataset.cropSize) (paper: crops \(PaperProtocol.cropSize)x\(PaperProtocol.cropSize); it gives no image size before cropping).")
        }
        notes += modelNotes(spec)
        if let alignment = FaceAlignmentNote.note(spec, recorded: data.record.provenance.faceAlignment) { notes.append(alignment) }
        if let character = spec.character, character.kind == .synthetic {
            notes.append("Characters: the synthetic \(character.characters.joined(separator: ", ")) (paper: a FERG-DB character).")
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
        if let share = spec.protocol.validation {
            notes.append("Validation: \(Int((share * 100).rounded()))% of each fold's training subjects held out (accuracy.validation); settings are chosen on them, never on the test folds.")
        }
        if data.workerNumerics.count > 1 {
            notes.append("Numerics: the jobs' workers computed under \(data.workerNumerics.sorted().joined(separator: ", ")); "
                         + "their bits are not those of one machine (run log: attempts).")
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

    /// How the models' settings were chosen (the spec's `tuning` section, from `exp tune`): the
    /// tune, each model's trials and epochs side by side, the space, the score and the choices;
    /// models tuned with other trials or rungs than the others, or not tuned, are marked.
    static func tuningNotes(_ spec: ExperimentSpec) -> [String] {
        guard let tuning = spec.tuning, !tuning.isEmpty else { return [] }
        let tunes: String = Set(tuning.map(\.tune)).sorted().joined(separator: ", ")
        let specs: String = Set(tuning.map(\.tunedSpec)).sorted().joined(separator: ", ")
        let budgets: [String] = tuning.map { note in
            let rungs: String = note.rungs.map(String.init).joined(separator: "/")
            return "\(note.model) \(note.trials) trials, \(note.epochs) epochs (rungs \(rungs))"
        }
        let chosen: [String] = tuning.map { note in
            "\(note.model) " + note.chosen.joined(separator: ", ") + String(format: " (validation %.2f)", note.score)
        }
        var text = "Tuning: settings chosen by exp tune \(tunes) of \(specs) on validation subjects only, never on a test fold. "
        text += "Budgets: " + budgets.joined(separator: "; ") + ". "
        text += "Space: " + tuning[0].space.joined(separator: " ") + ". Score: " + tuning[0].scoredOn + ". "
        text += "Chosen: " + chosen.joined(separator: "; ") + "."
        var notes = [text]
        let untuned = spec.models.map(\.name).filter { name in !tuning.contains { $0.model == name } }
        let allotments = Set(tuning.map { "\($0.trials)/\($0.rungs)" })
        if !untuned.isEmpty || allotments.count > 1 {
            notes.append("Unequal tuning budgets: "
                + (untuned.isEmpty ? "" : "\(untuned.joined(separator: ", ")) not tuned; ")
                + (allotments.count > 1 ? "the tuned models had different trials or rungs; " : "")
                + "a difference between the models may owe something to the tuning.")
        }
        return notes
    }

    /// Training and evaluation settings of each model that differ from section 5.1 or from the
    /// paper's reading of an open choice.
    static func modelNotes(_ spec: ExperimentSpec) -> [String] {
        var notes: [String] = []
        for model in spec.models {
            var differences: [String] = []
            if model.batchSize != PaperProtocol.batchSize { differences.append("batch \(model.batchSize) (paper: \(PaperProtocol.batchSize))") }
            let training = model.training
            if training.adam.lr != PaperProtocol.learningRate { differences.append("learning rate \(training.adam.lr) (paper: \(PaperProtocol.learningRate))") }
            if training.adam.beta1 != PaperProtocol.beta1 { differences.append("Adam beta1 \(training.adam.beta1) (paper: \(PaperProtocol.beta1))") }
            if training.learningRateSchedule == .linearDecay {
                differences.append("learning rate decayed linearly over the second half (paper: no schedule)")
            }
            switch training.evaluation {
            case .last: break
            case .recalibrated: differences.append("BatchNorm statistics recomputed on the training images before evaluation")
            case .averaged:
                differences.append("predictions by a moving average of the weights (decay \(training.decay)) with recomputed BatchNorm statistics")
            }
            if let hagan = model.hagan {
                differences.append("lambda \(formatNumber(hagan.l1Weight)) (paper: not given; pix2pix uses 100)")
                if hagan.expressionOnFakePairs { differences.append("D^e also learns generated pairs (eq. 5: real pairs only)") }
                if hagan.discriminatorInput == .character { differences.append("D sees the character image alone (paper: the pair)") }
            }
            if !differences.isEmpty { notes.append("\(model.name): " + differences.joined(separator: "; ") + ".") }
        }
        return notes
    }

    private static func formatNumber(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }

    private static func firstLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.count > 120 ? String(line.prefix(117)) + "..." : line
    }
}
