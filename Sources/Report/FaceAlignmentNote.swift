// The protocol note on face alignment (section 5.1: faces aligned on CE-CLM landmarks, OpenFace
// 2.0, before the 75x75 crops): from the run log's `experiments.face_alignment` (FaceData's
// AlignmentReport as JSON, written by `exp run`'s data check), the eye positions, how many faces
// each landmark source aligned and what happened to images with no face; for experiments run by a
// build from before face detection, which record none, what that build did.

import Foundation
import RunLog
import Spec
import Vocabulary

enum FaceAlignmentNote {
    /// The keys of the recorded report that the note reads (docs/run-log.md lists them all).
    struct Record: Decodable {
        var method: Alignment
        var noFacePolicy: NoFacePolicy
        var eyeDistance: Double
        var eyeLevel: Double
        var detector: String?
        var images: Int
        var byDataset: Int
        var byOpenFace: Int
        var detected: Int
        var wholeFrames: Int
        var noFaceCount: Int
        var multipleFacesCount: Int
    }

    static func note(_ spec: ExperimentSpec, recorded: String?) -> String? {
        let d = spec.dataset
        if d.kind == .synthetic { return nil }  // drawn aligned, at the image size
        let paper = "(paper: aligned on CE-CLM landmarks)"
        if d.alignMethod == .none { return "Faces: whole frames resized, not aligned (align none) \(paper)." }
        let eyes = "eyes \(percent(d.alignmentGeometry.eyeDistance)) of the side apart, \(percent(d.alignmentGeometry.eyeLevel)) down"
        guard let text = recorded, let r = try? JSONDecoder().decode(Record.self, from: Data(text.utf8)) else {
            return earlierBuildNote(d)
        }
        var parts: [String] = []
        if r.detected > 0 {
            let several = r.multipleFacesCount == 0 ? "" : " (\(r.multipleFacesCount) showed several faces: the largest was used)"
            parts.append("\(r.detected) of \(r.images) on the 68 landmarks of \(r.detector.map(detectorName) ?? "dlib")\(several)")
        }
        if r.byDataset > 0 { parts.append("\(r.byDataset) on the dataset's own landmarks") }
        if r.byOpenFace > 0 { parts.append("\(r.byOpenFace) on OpenFace landmarks") }
        var clauses = parts.isEmpty ? [] : ["aligned by the eye centres (\(eyes)): " + parts.joined(separator: ", ")]
        if r.noFaceCount > 0 {
            let outcome = r.noFacePolicy == .skip ? "left out" : r.noFacePolicy == .center ? "resized whole" : "refused"
            let what = r.method == .landmarks ? "without landmarks" : "with no face found"
            clauses.append("\(r.noFaceCount) of \(r.images) \(what) \(outcome) (align \(r.method.rawValue), noFace \(r.noFacePolicy.rawValue))")
        }
        let sentence = "Faces: " + clauses.joined(separator: "; ")
        return sentence + " \(paper)."
    }

    /// An experiment run by a build from before face detection records no alignment: that build
    /// aligned faces on the landmarks a dataset shipped (or OpenFace CSVs) and resized the others.
    private static func earlierBuildNote(_ d: DatasetSpec) -> String? {
        let paper = "(paper: aligned on CE-CLM landmarks)"
        switch d.kind {
        case .synthetic: return nil
        case .folder, .csv:
            return d.openface == nil ? "Faces: the image files as given, not aligned by exp \(paper)."
                : "Faces: aligned by the eye centres of OpenFace landmarks where given, else the image files as given \(paper)."
        case .ckplus:
            return "Faces: aligned by the eye centres of CK+'s own landmarks where the copy has them, else whole frames resized \(paper)."
        case .mmi, .oulu:
            return d.openface == nil ? "Faces: whole frames resized, not aligned \(paper); set dataset.openface to align them."
                : "Faces: aligned by the eye centres of OpenFace landmarks where given, else whole frames resized \(paper)."
        }
    }

    /// "dlib 19.24.0" from the recorded detector key.
    private static func detectorName(_ key: String) -> String {
        key.split(separator: " ").prefix(2).joined(separator: " ")
    }

    private static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }
}
