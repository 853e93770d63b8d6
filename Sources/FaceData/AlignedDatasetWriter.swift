// AlignedDatasetWriter: a dataset's aligned faces written out for use anywhere (`exp data align`):
//
//   <out>/<expression>/<subject>_<sequence>_<frame>.png   the aligned face images (the `folder`
//                                                          layout, read back with --kind folder)
//   <out>/index.csv                                        path,label,subject,sequence,frame,source,landmarks,faces
//   <out>/landmarks/<path under the root>.csv              the 68 landmarks, OpenFace 2.0 style
//
// The landmark CSVs have OpenFace FeatureExtraction's columns (frame, face_id, timestamp,
// confidence, success, x_0..x_67, y_0..y_67, in source-image pixels), one row per image, success 0
// where no face was found; `dataset.openface` (or --option openface=DIR) reads them back.

import Foundation

public enum AlignedDatasetWriter {
    public struct Summary: Equatable, Sendable {
        /// Face images written.
        public var images: Int
        /// Landmark CSVs written, and how many of them say no face (success 0).
        public var landmarkFiles: Int
        public var withoutFace: Int
    }

    /// Writes every sample of `dataset` (aligned by `FaceAligner`) under `out`.
    public static func write(_ dataset: Dataset, preprocessor: Preprocessor, to out: String) throws -> Summary {
        var summary = Summary(images: 0, landmarkFiles: 0, withoutFace: 0)
        var index = "path,label,subject,sequence,frame,source,landmarks,faces\n"
        var used = Set<String>()
        let multiple = Dictionary((dataset.alignment?.multipleFaces ?? []).map { ($0.path, $0.reason) }, uniquingKeysWith: { a, _ in a })
        var base = (dataset.description.root as NSString).standardizingPath
        if !FileSystem.isDirectory(base) { base = (base as NSString).deletingLastPathComponent }
        for (i, sample) in dataset.samples.enumerated() {
            let folder = sample.expression == .happiness ? "happy" : sample.expression.rawValue
            let stem = "\(safe(sample.subject))_\(safe(sample.sequence ?? "000"))_\(String(format: "%08d", sample.frame ?? i + 1))"
            var name = "\(folder)/\(stem).png", k = 1
            while used.contains(name) { k += 1; name = "\(folder)/\(stem)-\(k).png" }
            used.insert(name)
            try FileManager.default.createDirectory(atPath: FileSystem.join(out, folder), withIntermediateDirectories: true)
            try preprocessor.image(for: sample).writePNG(to: FileSystem.join(out, name))
            summary.images += 1
            let faces = multiple[sample.source.name].flatMap { Int($0.prefix { $0.isNumber }) } ?? (sample.faceBox == nil ? 0 : 1)
            index += [name, sample.expression.rawValue, sample.subject, sample.sequence ?? "", sample.frame.map(String.init) ?? "",
                      sample.source.name, sample.landmarkSource?.rawValue ?? "none", String(faces)]
                .map(csvField).joined(separator: ",") + "\n"
            guard case .file(let path) = sample.source else { continue }
            let full = (path as NSString).standardizingPath
            let relative = full.hasPrefix(base + "/") ? String(full.dropFirst(base.count + 1)) : (path as NSString).lastPathComponent
            let csv = FileSystem.join(out, "landmarks", (relative as NSString).deletingPathExtension + ".csv")
            try FileManager.default.createDirectory(atPath: (csv as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(openFaceRow(sample).utf8).write(to: URL(fileURLWithPath: csv), options: .atomic)
            summary.landmarkFiles += 1
            if sample.landmarks == nil { summary.withoutFace += 1 }
        }
        try Data(index.utf8).write(to: URL(fileURLWithPath: FileSystem.join(out, "index.csv")), options: .atomic)
        return summary
    }

    /// OpenFace 2.0 FeatureExtraction's header and one row: success and confidence 1 where the
    /// image has landmarks (dlib's detector score is no probability, so it is not written), 0 and
    /// zero coordinates where it has none.
    static func openFaceRow(_ sample: Sample) -> String {
        let header = ["frame", "face_id", "timestamp", "confidence", "success"]
            + (0..<68).map { "x_\($0)" } + (0..<68).map { "y_\($0)" }
        let points = sample.landmarks ?? [Point](repeating: Point(x: 0, y: 0), count: 68)
        let confidence = sample.landmarks == nil ? "0" : "1"
        let row = ["1", "0", "0", confidence, sample.landmarks == nil ? "0" : "1"]
            + points.map { String(format: "%.1f", Double($0.x)) } + points.map { String(format: "%.1f", Double($0.y)) }
        return header.joined(separator: ", ") + "\n" + row.joined(separator: ", ") + "\n"
    }

    /// A name part without the characters the folder loader's default pattern splits on.
    static func safe(_ text: String) -> String {
        let cleaned = String(text.map { $0 == "_" || $0 == "." || $0 == "/" || $0 == "," ? "-" : $0 })
        return cleaned.isEmpty ? "0" : cleaned
    }

    private static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
