// MMI and Oulu-CASIA trees of camera-sized frames (`exp synth --layout mmi|oulu --frame WxH`: the
// drawn face somewhere in a 720x576 or 320x240 frame), read back through their loaders with
// `align: auto`: dlib, trained on photographs, finds only some of the drawn faces (measured here
// and kept as a lower bound); where it finds one, its eye centres lie near the eyes the face was
// drawn with. The images where it finds none follow `noFace` (skip here).

import FaceData
import Foundation
import SyntheticFaces
import TestSupport
import Testing
import Vocabulary

private var modelPresent: Bool { FileManager.default.fileExists(atPath: FaceDetector.defaultModelPath) }
private var skipReason: Comment {
    Comment(rawValue: "framed-layout alignment test skipped: no dlib model at \(FaceDetector.defaultModelPath) "
        + "(install the Debian package \(FaceDetector.modelPackage), or make deps)")
}

// The 200-pixel faces need no doubling (which takes four times as long); with the 120-pixel ones
// dlib found 11 of 36 without it, 18 with it (the default).
@Test(.enabled(if: modelPresent, skipReason), arguments: [(SyntheticLayout.mmi, FrameSize.mmi, 200, 0), (.oulu, .oulu, 120, 1)])
func framedTreeLoadsBackAlignedThroughAuto(_ layout: SyntheticLayout, _ frame: FrameSize, _ faceSize: Int, _ upsample: Int) throws {
    let folder = try TemporaryFolder()
    let root = folder.path + "/tree"
    let tree = try SyntheticLayouts.write(layout, subjects: 2, seed: 7, size: faceSize, frame: frame, to: root)
    let drawn = Dictionary(uniqueKeysWithValues: tree.files.map { (root + "/" + $0.path, $0) })
    var dataset = try DatasetLoaders.builtIn.load(DatasetDescription(kind: layout.rawValue, root: root), checkImages: false)
    let total = dataset.samples.count
    #expect(total == 2 * 6 * 3)
    #expect(try Image(contentsOf: dataset.samples[0].source.name).width == frame.width)
    let settings = AlignmentSettings(method: .auto, noFace: .skip, geometry: AlignmentGeometry(upsample: upsample))
    let aligner = FaceAligner(settings: settings, channels: 1, imageSize: 64, cache: FaceCache(folder: folder.path + "/faces"))
    try aligner.align(&dataset)
    let report = try #require(dataset.alignment)
    #expect(report.detected + report.noFace.count == total && dataset.samples.count == report.detected)
    #expect(dataset.skipped.count == report.noFace.count)
    // Measured with seed 7: 18 of 36 in both layouts. dlib finds every image of the second
    // subject and none of the first (a dark-skinned drawn face with glasses, near the frame's top
    // edge); with seed 1 it found 44 of 54 (3 subjects). Drawings are not what it was trained on.
    #expect(report.detected >= 15, "\(layout): dlib found \(report.detected) of \(total) drawn faces")
    var errors: [Float] = []
    for sample in dataset.samples {
        #expect(sample.landmarkSource == .detector)
        let truth = try #require(drawn[sample.source.name]?.landmarks, "\(sample.source.name) not drawn")
        let (l, r) = FaceLandmarks.eyeCentres(try #require(sample.landmarks))
        let (tl, tr) = FaceLandmarks.eyeCentres(truth)
        // Relative to the drawn eyes' distance.
        let apart = hypot(tr.x - tl.x, tr.y - tl.y)
        errors += [hypot(l.x - tl.x, l.y - tl.y) / apart, hypot(r.x - tr.x, r.y - tr.y) / apart]
        // The aligned face comes from the cache entry the pass wrote.
        let entry = try #require(sample.cachedFace)
        #expect(FaceCache.readFace(entry, size: 64, channels: 1) != nil)
    }
    // Measured: median 2.1% (MMI) and 2.8% (Oulu) of the eye distance, worst 7.3% and 21% (a
    // 120-pixel face in a JPEG).
    errors.sort()
    let median = errors[errors.count / 2], worst = errors.last ?? 0
    #expect(median < 0.05 && worst < 0.3, "\(layout): eye centre errors median \(median), worst \(worst) of the eye distance")
}
