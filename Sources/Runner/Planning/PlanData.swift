// How many images a plan's jobs train and test on: listed from the dataset on disk (no image is
// decoded or aligned), generated for the synthetic kind, or, for the paper's datasets when their
// root is not on this machine, the counts the paper and the datasets' own papers give.

import FaceData
import Foundation
import Spec
import Vocabulary

public struct PlanDataCounts: Equatable, Sendable {
    /// Images of the whole data set (after the class filter).
    public var images: Int
    /// Where the count comes from (the folder listed, or the published count).
    public var source: String
    /// Per job: training, validation and test images (a fold's shares of `images`).
    public var train: Int
    public var validation: Int
    public var test: Int

    init(images: Int, source: String, spec: ExperimentSpec) {
        self.images = images
        self.source = source
        let folds = Double(spec.protocol.folds)
        let training = Double(images) * (folds - 1) / folds
        validation = Int((training * (spec.protocol.validation ?? 0)).rounded())
        train = Int(training.rounded()) - validation
        test = images - train - validation
    }

    /// The counts of `spec`'s data.
    public static func of(_ spec: ExperimentSpec) throws -> PlanDataCounts {
        let d = spec.dataset
        if d.kind == .synthetic {
            let dataset = try JobData.loaders.load(JobData.description(spec))
            return PlanDataCounts(images: dataset.samples.count, source: "generated", spec: spec)
        }
        if let root = d.root, FileManager.default.fileExists(atPath: root) {
            let dataset = try JobData.loaders.load(JobData.description(spec), checkImages: false)
            return PlanDataCounts(images: dataset.samples.count, source: "listed in \(root)", spec: spec)
        }
        guard let published = published(spec) else {
            throw PlanError.dataUncounted(kind: d.kind.rawValue, root: d.root ?? "(none)")
        }
        return PlanDataCounts(images: published.images, source: published.source, spec: spec)
    }

    /// The published size of a paper data set under the spec's frames and classes.
    static func published(_ spec: ExperimentSpec) -> (images: Int, source: String)? {
        let d = spec.dataset
        let frames: Int
        switch d.kind {
        case .ckplus, .oulu: frames = (d.frames ?? .last3) == .last1 ? 1 : 3
        case .mmi: frames = (d.frames ?? .middle3) == .last1 ? 1 : 3
        default: return nil
        }
        let neutral = d.classes.includesNeutral
        switch d.kind {
        case .ckplus:
            // CK+ (Lucey et al. 2010): 327 labelled sequences, 18 of them contempt.
            let sequences = d.classes.expressions.contains(.contempt) ? 327 : 309
            return (sequences * (frames + (neutral ? 1 : 0)),
                    "published count: \(sequences) CK+ sequences x \(frames) frame(s)\(neutral ? " + a neutral frame each" : "") (dataset root not here)")
        case .mmi:
            // Section 5.2: 208 frontal sequences of 31 subjects.
            return (208 * (frames + (neutral ? 1 : 0)),
                    "published count: 208 MMI sequences x \(frames) frame(s) (section 5.2; dataset root not here)")
        case .oulu:
            // Section 5.2: 480 VIS sequences of 80 subjects, strong illumination.
            return (480 * (frames + (neutral ? 1 : 0)),
                    "published count: 480 Oulu-CASIA VIS sequences x \(frames) frame(s) (section 5.2; dataset root not here)")
        default:
            return nil
        }
    }
}
