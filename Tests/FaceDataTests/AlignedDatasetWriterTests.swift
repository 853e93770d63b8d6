// `exp data align`'s outputs: the aligned faces in the folder layout (read back by the folder
// loader, with the same subjects and the same pixels up to 8-bit rounding), the index, the
// OpenFace-style landmark CSVs (read back by OpenFaceCSV and by the `openface` option, success 0
// where no face was found), and the contact sheet's size and marks.

import FaceData
import Foundation
import TestSupport
import Testing
import Vocabulary

@Test(.enabled(if: FaceFixture.modelPresent, FaceFixture.skipReason))
func alignedDatasetAndSheetReadBack() throws {
    let folder = try TemporaryFolder()
    let root = folder.path + "/frames"
    let photo = try FaceFixture.image()
    try photo.writePNG(to: try folder.file("frames/happy/S01_seq_3.png"))
    try photo.resized(width: 384, height: 240).toGray().writePNG(to: try folder.file("frames/sadness/S02_x_7.png"))
    try Image(width: 200, height: 150, channels: 1, value: 0.5).writePNG(to: try folder.file("frames/sadness/S02_x_8.png"))
    var dataset = try DatasetLoaders.builtIn.load(DatasetDescription(kind: "folder", root: root), checkImages: false)
    let aligner = FaceAligner(settings: AlignmentSettings(noFace: .center), channels: 3, imageSize: 48, cache: nil)
    try aligner.align(&dataset)
    #expect(dataset.alignment?.detected == 2 && dataset.alignment?.noFace.count == 1)

    let out = folder.path + "/aligned"
    let summary = try AlignedDatasetWriter.write(dataset, preprocessor: aligner.preprocessor, to: out)
    #expect(summary.images == 3 && summary.landmarkFiles == 3 && summary.withoutFace == 1)
    // The faces, read back as a folder dataset: same subjects, the pixels of the aligned faces.
    let back = try DatasetLoaders.builtIn.load(DatasetDescription(kind: "folder", root: out))
    #expect(back.samples.count == 3 && back.subjects == ["S01", "S02"])
    for (written, original) in zip(back.samples, dataset.samples) {
        let image = try Image(contentsOf: written.source.name)
        let face = try aligner.preprocessor.image(for: original)
        #expect(image.width == 48 && zip(image.pixels, face.pixels).allSatisfy { abs($0 - $1) <= 0.5 / 255 + 1e-6 })
    }
    let index = try String(contentsOfFile: out + "/index.csv", encoding: .utf8).split(separator: "\n")
    #expect(index.count == 4 && index[1].hasPrefix("happy/S01_seq_00000003.png,happiness,S01,seq,3,") && index[1].hasSuffix(",detector,1"))
    #expect(index[3].hasSuffix(",none,0"))
    // The landmark CSVs: OpenFace's columns, the landmarks used, success 0 without a face.
    let csv = try OpenFaceCSV.read(out + "/landmarks/happy/S01_seq_3.csv")
    #expect(csv.count == 1 && csv[0].success && csv[0].points == dataset.samples[0].landmarks)
    #expect(try OpenFaceCSV.read(out + "/landmarks/sadness/S02_x_8.csv").first?.success == false)
    // ... which the openface option reads back in place of detection.
    var again = try DatasetLoaders.builtIn.load(DatasetDescription(kind: "folder", root: root, options: ["openface": out + "/landmarks"]),
                                                checkImages: false)
    #expect(again.samples.map(\.landmarkSource) == [.openface, .openface, nil])
    try FaceAligner(settings: AlignmentSettings(method: .landmarks, noFace: .center), channels: 3, imageSize: 48, cache: nil).align(&again)
    #expect(again.alignment?.byOpenFace == 2 && again.alignment?.detector == nil)

    // The sheet: two columns of a 4:3 frame and a square face per image; the box drawn in green.
    let sheet = try AlignmentSheet.make(dataset, indices: [0, 1, 2], preprocessor: aligner.preprocessor, height: 60, columns: 2)
    #expect(sheet.width == 2 * (80 + 6 + 60) + 3 * 6 && sheet.height == 2 * 60 + 3 * 6 && sheet.channels == 3)
    let green = (0..<sheet.height).flatMap { y in (0..<sheet.width).map { (y, $0) } }
        .filter { sheet[1, $0.0, $0.1] > 0.8 && sheet[0, $0.0, $0.1] < 0.2 && sheet[2, $0.0, $0.1] < 0.2 }
    #expect(green.count > 15)  // two small boxes (27 green pixels at this size), partly under the landmarks
    #expect(AlignmentSheet.sampleIndices(count: 4, of: 10) == [0, 2, 5, 7] && AlignmentSheet.sampleIndices(count: 4, of: 3) == [0, 1, 2])
}
