// FaceAligner over a dataset of real and bad images: the landmark source per image and per
// `Alignment`, the no-face policies with their counts and reasons, unreadable files, the face cache
// (a second pass detects and decodes nothing and gives the same bits, damaged entries are found and
// redone, two passes at once into one cache agree), and the model read only when an image needs it.

import FaceData
import Foundation
import TestSupport
import Testing
import Vocabulary

/// A dataset of files with one class and subject, landmarks where given.
private func dataset(_ files: [(String, [Point]?)], root: String, skipUnreadable: Bool = false) -> Dataset {
    let samples = files.map { Sample(source: .file($0.0), label: 0, expression: .anger, subject: "S1", landmarks: $0.1) }
    return Dataset(description: DatasetDescription(source: .folder(subjectPattern: FolderLoader.defaultPattern), root: root, skipUnreadable: skipUnreadable),
                   classes: [.anger], samples: samples)
}

/// The fixture photo, a gray copy, a blank frame, a 30-pixel image and a file that is no image.
private func files(in folder: TemporaryFolder) throws -> (photo: String, gray: String, blank: String, tiny: String, broken: String) {
    let image = try FaceFixture.image()
    let gray = try folder.file("gray.png")
    try image.toGray().writePNG(to: gray)
    let blank = try folder.file("blank.png")
    try Image(width: 320, height: 240, channels: 1, value: 0.4).writePNG(to: blank)
    let tiny = try folder.file("tiny.png")
    try image.resized(width: 30, height: 19).writePNG(to: tiny)
    let broken = try folder.write("broken.jpg", bytes: [0xFF, 0xD8, 0xFF] + Array("not a JPEG at all".utf8))
    return (FaceFixture.photo, gray, blank, tiny, broken)
}

struct FaceAlignerTests {
    @Test(.enabled(if: FaceFixture.modelPresent, FaceFixture.skipReason))
    func noFacePoliciesCountListAndApply() throws {
        let folder = try TemporaryFolder()
        let f = try files(in: folder)
        func aligned(_ policy: NoFacePolicy, stop: Bool = true) throws -> Dataset {
            var d = dataset([(f.photo, nil), (f.gray, nil), (f.blank, nil), (f.tiny, nil)], root: folder.path)
            try FaceAligner(settings: AlignmentSettings(noFace: policy), channels: 1, imageSize: 48, cache: nil).align(&d, stopOnNoFace: stop)
            return d
        }
        // error: stops, naming both images and why.
        do {
            _ = try aligned(.error)
            Issue.record("noFace error did not stop")
        } catch DataError.noFace(let list, let key) {
            #expect(list.map(\.path) == [f.blank, f.tiny] && key == "dataset.noFace")
            #expect(list[0].reason.hasPrefix("no face found") && list[1].reason.contains("smaller than the detector's smallest face"))
        }
        // ... unless only listing them (exp data inspect).
        let listed = try aligned(.error, stop: false)
        #expect(listed.samples.count == 4 && listed.alignment?.noFace.count == 2)
        // skip: left out and recorded as skipped.
        let skipped = try aligned(.skip)
        #expect(skipped.samples.map(\.source.name) == [f.photo, f.gray])
        #expect(skipped.skipped.map(\.path) == [f.blank, f.tiny] && skipped.skipped.allSatisfy { $0.reason.hasPrefix("no face: ") })
        // center: kept whole, without landmarks.
        let centred = try aligned(.center)
        let report = try #require(centred.alignment)
        #expect(centred.samples.count == 4 && centred.samples[2].landmarks == nil && centred.samples[3].landmarks == nil)
        #expect(report.detected == 2 && report.wholeFrames == 2 && report.noFace.count == 2 && report.images == 4)
        #expect(report.summary.contains("2 on landmarks of dlib's detector") && report.summary.contains("2 with no face resized whole"))
        #expect(centred.samples[0].landmarkSource == .detector && centred.samples[0].faceBox != nil)
    }

    @Test(.enabled(if: FaceFixture.modelPresent, FaceFixture.skipReason))
    func landmarkSourcesFollowTheAlignChoice() throws {
        let folder = try TemporaryFolder()
        let f = try files(in: folder)
        let given = (0..<68).map { Point(x: 200 + Float($0 % 10), y: 100 + Float($0 / 10)) }
        func run(_ method: Alignment) throws -> Dataset {
            var d = dataset([(f.photo, given), (f.gray, nil)], root: folder.path)
            try FaceAligner(settings: AlignmentSettings(method: method, noFace: .center), channels: 1, imageSize: 48, cache: nil).align(&d)
            return d
        }
        let auto = try run(.auto)
        #expect(auto.samples.map(\.landmarkSource) == [.dataset, .detector] && auto.samples[0].landmarks == given)
        #expect(auto.alignment?.byDataset == 1 && auto.alignment?.detected == 1)
        let detect = try run(.detect)
        #expect(detect.samples.map(\.landmarkSource) == [.detector, .detector] && detect.samples[0].landmarks != given)
        let landmarks = try run(.landmarks)
        #expect(landmarks.samples.map(\.landmarkSource) == [.dataset, nil])
        #expect(landmarks.alignment?.noFace.first?.reason.hasPrefix("no landmarks") == true)
        #expect(landmarks.alignment?.summary.contains("1 without landmarks resized whole") == true)
        let none = try run(.none)
        #expect(none.samples.allSatisfy { $0.landmarks == nil } && none.alignment?.wholeFrames == 2)
    }

    @Test(.enabled(if: FaceFixture.modelPresent, FaceFixture.skipReason))
    func unreadableFilesAreListedOrSkipped() throws {
        let folder = try TemporaryFolder()
        let f = try files(in: folder)
        var strict = dataset([(f.photo, nil), (f.broken, nil)], root: folder.path)
        do {
            try FaceAligner(settings: AlignmentSettings(), channels: 1, imageSize: 48, cache: nil).align(&strict)
            Issue.record("an unreadable file was accepted")
        } catch DataError.unreadableFiles(let list) {
            #expect(list.map(\.path) == [f.broken] && list[0].reason.hasPrefix("unreadable: "))
        }
        var lenient = dataset([(f.photo, nil), (f.broken, nil), (folder.path + "/gone.png", nil)], root: folder.path, skipUnreadable: true)
        try FaceAligner(settings: AlignmentSettings(), channels: 1, imageSize: 48, cache: FaceCache(folder: folder.path + "/faces")).align(&lenient)
        #expect(lenient.samples.map(\.source.name) == [f.photo])
        #expect(lenient.skipped.map(\.path) == [f.broken, folder.path + "/gone.png"])
        #expect(lenient.skipped[1].reason == "unreadable: no such file")
    }

    @Test(.enabled(if: FaceFixture.modelPresent, FaceFixture.skipReason))
    func theCacheSkipsDetectionAndGivesTheSameBits() throws {
        let folder = try TemporaryFolder()
        let f = try files(in: folder)
        let cache = FaceCache(folder: folder.path + "/faces")
        var loads = 0
        func pass() throws -> Dataset {
            var d = dataset([(f.photo, nil), (f.gray, nil), (f.blank, nil)], root: folder.path)
            var aligner = FaceAligner(settings: AlignmentSettings(noFace: .center), channels: 3, imageSize: 64, cache: cache)
            aligner.makeDetector = { loads += 1; return try FaceDetector.shared(modelPath: $0) }
            try aligner.align(&d)
            return d
        }
        func faces(_ d: Dataset) throws -> [Image] {
            let p = Preprocessor(channels: 3, imageSize: 64)
            return try d.samples.map { try p.image(for: $0) }
        }
        let first = try pass()
        #expect(first.alignment?.detectionsRun == 3 && first.alignment?.facesFromCache == 0 && loads == 1)
        // Straight from the files, the same bits as through the cache.
        var uncached = first
        for i in uncached.samples.indices { uncached.samples[i].cachedFace = nil }
        let reference = try faces(uncached)
        #expect(try faces(first) == reference)

        let second = try pass()
        let report = try #require(second.alignment)
        #expect(report.detectionsRun == 0 && report.detectionsFromCache == 3 && report.facesFromCache == 3 && loads == 1)
        #expect(second.samples.map(\.landmarks) == first.samples.map(\.landmarks))
        #expect(try faces(second) == reference)

        // Damaged entries (a detection overwritten, a face image cut short) are found and redone.
        let entries = FileManager.default.enumerator(atPath: cache.folder)!.allObjects.compactMap { $0 as? String }
        let detection = try #require(entries.first { $0.hasPrefix("detections/") && $0.hasSuffix(".json") })
        let face = try #require(entries.first { $0.hasPrefix("images/") && $0.hasSuffix(".face") })
        try Data("exp-face-detection 1\n{\"faces\":9}\nsha256 0\n".utf8).write(to: URL(fileURLWithPath: cache.folder + "/" + detection))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: cache.folder + "/" + face))
        try bytes.prefix(bytes.count - 7).write(to: URL(fileURLWithPath: cache.folder + "/" + face))
        let third = try pass()
        #expect(third.alignment?.repairedEntries == 2 && third.alignment?.detectionsRun == 1)
        #expect(third.samples.map(\.landmarks) == first.samples.map(\.landmarks))
        #expect(try faces(third) == reference)
        // A damaged entry met at training time is computed again and rewritten.
        let entry = try #require(third.samples[0].cachedFace)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: entry))
        #expect(try Preprocessor(channels: 3, imageSize: 64).image(for: third.samples[0]) == reference[0])
        #expect(FaceCache.readFace(entry, size: 64, channels: 3) == reference[0])
        // No temporary file is left behind.
        #expect(!FileManager.default.enumerator(atPath: cache.folder)!.allObjects.contains { ($0 as? String)?.contains(".tmp-") == true })
    }

    @Test(.enabled(if: FaceFixture.modelPresent, FaceFixture.skipReason))
    func twoPassesAtOnceIntoOneCacheAgree() throws {
        let folder = try TemporaryFolder()
        let f = try files(in: folder)
        let cache = FaceCache(folder: folder.path + "/faces")
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 3) { k in
            results.store(k, Result {
                var d = dataset([(f.photo, nil), (f.gray, nil), (f.blank, nil)], root: folder.path)
                try FaceAligner(settings: AlignmentSettings(noFace: .center), channels: 1, imageSize: 40, cache: cache).align(&d)
                return try d.samples.map { try Preprocessor(channels: 1, imageSize: 40).image(for: $0) }
            })
        }
        let all = try (0..<3).map { try results.value($0).get() }
        #expect(all[0] == all[1] && all[1] == all[2])
        var d = dataset([(f.photo, nil), (f.gray, nil), (f.blank, nil)], root: folder.path)
        try FaceAligner(settings: AlignmentSettings(noFace: .center), channels: 1, imageSize: 40, cache: cache).align(&d)
        #expect(d.alignment?.detectionsRun == 0 && d.alignment?.facesFromCache == 3)
    }

    @Test func theModelIsReadOnlyWhenAnImageNeedsIt() throws {
        let folder = try TemporaryFolder()
        let image = try folder.file("face.png")
        try Image(width: 120, height: 100, channels: 1, value: 0.5).writePNG(to: image)
        let given = (0..<68).map { Point(x: 40 + Float($0 % 10), y: 30 + Float($0 / 10)) }
        let settings = AlignmentSettings(modelPath: folder.path + "/missing.dat")
        // Landmarks given: no detector needed, so the missing model does not matter.
        var withLandmarks = dataset([(image, given)], root: folder.path)
        try FaceAligner(settings: settings, channels: 1, imageSize: 32, cache: nil).align(&withLandmarks)
        #expect(withLandmarks.alignment?.byDataset == 1 && withLandmarks.alignment?.detector == nil)
        // Without them, detection is needed: the error names the file and the package.
        var without = dataset([(image, nil)], root: folder.path)
        #expect(throws: DataError.faceModel(path: folder.path + "/missing.dat", reason: "no such file", package: "libdlib-data")) {
            try FaceAligner(settings: settings, channels: 1, imageSize: 32, cache: nil).align(&without)
        }
    }
}

/// Results written by concurrent iterations.
private final class Results: @unchecked Sendable {
    private var values: [Int: Result<[Image], Error>] = [:]
    private let lock = NSLock()
    func store(_ k: Int, _ value: Result<[Image], Error>) { lock.lock(); values[k] = value; lock.unlock() }
    func value(_ k: Int) -> Result<[Image], Error> { lock.lock(); defer { lock.unlock() }; return values[k]! }
}
