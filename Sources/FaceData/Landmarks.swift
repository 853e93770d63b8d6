// Facial landmark files: CK+ `Landmarks/*_landmarks.txt` (68 lines "x y") and the CSV that
// OpenFace 2.0's FeatureExtraction writes (columns x_0..x_67, y_0..y_67; OpenFace uses the CE-CLM
// detector of the paper, section 5.1). Points follow the 68-point iBUG order.

import Foundation

public enum CKPlusLandmarks {
    /// Reads a CK+ landmark file: 68 lines of two numbers, pixels of the matching frame.
    public static func read(_ path: String) throws -> [Point] {
        let text = try FileSystem.readText(path)
        var points: [Point] = []
        for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
            if parts.isEmpty { continue }
            guard parts.count == 2, let x = Float(parts[0]), let y = Float(parts[1]) else {
                throw DataError.badFile(path: path, line: number + 1, reason: "expected two numbers \"x y\", got '\(line)'")
            }
            points.append(Point(x: x, y: y))
        }
        guard points.count == 68 else {
            throw DataError.badFile(path: path, line: 0, reason: "expected 68 landmark lines, found \(points.count)")
        }
        return points
    }
}

public enum OpenFaceCSV {
    public struct Row: Equatable, Sendable {
        public var frame: Int
        /// OpenFace's `success` column (1 when the face was tracked).
        public var success: Bool
        public var points: [Point]
    }

    /// Reads every row of a FeatureExtraction CSV (headers may carry leading spaces).
    public static func read(_ path: String) throws -> [Row] {
        let rows = CSV.rows(try FileSystem.readText(path))
        guard let header = rows.first else {
            throw DataError.badFile(path: path, line: 0, reason: "empty OpenFace CSV")
        }
        var column: [String: Int] = [:]
        for (i, name) in header.enumerated() { column[name] = i }
        var xs: [Int] = []
        var ys: [Int] = []
        for k in 0..<68 {
            guard let x = column["x_\(k)"], let y = column["y_\(k)"] else {
                throw DataError.badFile(path: path, line: 1,
                                        reason: "missing column x_\(k) or y_\(k): expected OpenFace 2.0 FeatureExtraction output with 2-D landmarks")
            }
            xs.append(x)
            ys.append(y)
        }
        var result: [Row] = []
        for (index, fields) in rows.dropFirst().enumerated() {
            func number(_ i: Int) throws -> Float {
                guard i < fields.count, let v = Float(fields[i]) else {
                    throw DataError.badFile(path: path, line: index + 2, reason: "column \(header[i]) is not a number")
                }
                return v
            }
            let points = try (0..<68).map { Point(x: try number(xs[$0]), y: try number(ys[$0])) }
            let frame = try column["frame"].map { Int(try number($0)) } ?? index + 1
            let success = try column["success"].map { try number($0) != 0 } ?? true
            result.append(Row(frame: frame, success: success, points: points))
        }
        return result
    }
}

/// Landmark geometry used for alignment.
public enum FaceLandmarks {
    /// Centres of the eye on the image's left (points 36-41) and on its right (42-47).
    public static func eyeCentres(_ points: [Point]) -> (left: Point, right: Point) {
        precondition(points.count == 68, "eyeCentres needs 68 landmarks, got \(points.count)")
        func mean(_ range: ClosedRange<Int>) -> Point {
            let n = Float(range.count)
            return Point(x: range.map { points[$0].x }.reduce(0, +) / n, y: range.map { points[$0].y }.reduce(0, +) / n)
        }
        return (mean(36...41), mean(42...47))
    }
}
