// `exp run` end to end on an MMI-layout tree of camera frames (the synthetic faces placed in
// 360x288 frames): the coordinator's data check detects and aligns every face once and fills the
// results folder's face cache, the workers train on the cached faces without detecting or writing
// anything more, the run log keeps the alignment counts, the report's protocol note states them,
// and `exp data inspect` afterwards reads every finding from the cache.

import FaceData
import Foundation
import RunLog
import Runner
import SyntheticFaces
import Testing

@Test(.enabled(if: FileManager.default.fileExists(atPath: FaceDetector.defaultModelPath),
               Comment(rawValue: "aligned exp run test skipped: no dlib model at \(FaceDetector.defaultModelPath) "
                   + "(install the Debian package \(FaceDetector.modelPackage), or make deps)")))
func runOnCameraFramesAlignsOnceAndSharesTheCache() throws {
    let folder = temporaryFolder("aligned")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let data = (folder as NSString).appendingPathComponent("mmi")
    try SyntheticLayouts.write(.mmi, subjects: 4, seed: 3, size: 120, frame: FrameSize(width: 360, height: 288), to: data)
    let spec = (folder as NSString).appendingPathComponent("mmi.json")
    try """
        {"specVersion": 2, "name": "mmi-frames", "table": "none", "seed": 5,
         "dataset": {"kind": "mmi", "root": "\(data)", "noFace": "skip", "imageSize": 40, "cropSize": 36,
                     "augmentation": ["center", "center:flip"]},
         "protocol": {"folds": 2, "runs": 1},
         "models": [{"name": "CNN(baseline)", "kind": "cnn", "epochs": 1, "batchSize": 8}]}
        """.write(toFile: spec, atomically: true, encoding: .utf8)
    let results = (folder as NSString).appendingPathComponent("results")
    let p = try runExp(["run", spec, "--results", results, "--jobs", "2"])
    p.waitUntilExit()
    #expect(p.terminationStatus == 0)

    let store = try RunStore(path: ResultsLayout(root: results).database, readOnly: true)
    let experiment = try store.experiment(matching: "mmi-frames")
    let jobs = try store.jobs(experimentID: experiment.id)
    #expect(jobs.count == 2 && jobs.allSatisfy { $0.status == .completed })
    let json = try #require(experiment.provenance.faceAlignment)
    let report = try JSONDecoder().decode(AlignmentReport.self, from: Data(json.utf8))
    // 4 subjects x 6 sequences x the middle 3 frames.
    #expect(report.images == 72 && report.method == .auto && report.noFacePolicy == .skip)
    #expect(report.detected > 36 && report.detected + report.noFaceCount == 72, "\(report.detected) detected")
    #expect(report.detector?.hasPrefix("dlib 19.24") == true)

    // One detection per distinct image file (MMI's frames mirror around the apex, so frames 4 and 6
    // are the same file content), one face image per distinct kept image: the workers, which load
    // the data again, found them all in the cache and added nothing.
    func entries(_ sub: String, _ suffix: String) -> [String] {
        let root = (results as NSString).appendingPathComponent("faces/" + sub)
        return (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(suffix) }
    }
    #expect(entries("detections", ".json").count == report.detectionsRun)
    #expect(entries("images", ".face").count == report.detected - report.facesFromCache)
    #expect(entries("", "").allSatisfy { !$0.contains(".tmp-") })
    // Every entry was written before the first worker started (a worker that detected again would
    // have renamed a new copy into place).
    let format = ISO8601DateFormatter()
    format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let firstStart = try #require(jobs.compactMap { $0.startedAt.flatMap(format.date) }.min())
    for entry in entries("", "") where entry.hasSuffix(".json") || entry.hasSuffix(".face") {
        let path = (results as NSString).appendingPathComponent("faces/" + entry)
        let written = try #require(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
        #expect(written <= firstStart, "\(entry) written at \(written), after the first worker started at \(firstStart)")
    }

    // The report's protocol notes say how the faces were aligned.
    let text = (folder as NSString).appendingPathComponent("report.txt")
    let r = try runExp(["report", "--results", results, "--experiment", "mmi-frames", "--out", text])
    r.waitUntilExit()
    // The text report wraps its notes: read them as one line each.
    let rendered = try String(contentsOfFile: text, encoding: .utf8).replacingOccurrences(of: "\n    ", with: " ")
    #expect(rendered.contains("Faces: aligned by the eye centres (eyes 40% of the side apart, 40% down): \(report.detected) of 72 "
        + "on the 68 landmarks of dlib 19.24.0"))
    #expect(rendered.contains("\(report.noFaceCount) of 72 with no face found left out (align auto, noFace skip)") == (report.noFaceCount > 0))

    // A later look at the same data detects nothing.
    let inspect = Process()
    inspect.executableURL = expExecutable
    inspect.arguments = ["data", "inspect", spec, "--results", results]
    let pipe = Pipe()
    inspect.standardOutput = pipe
    inspect.standardError = FileHandle.nullDevice
    try inspect.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    inspect.waitUntilExit()
    #expect(output.contains("0 detections run, 72 from the cache"), "\(output)")
}
