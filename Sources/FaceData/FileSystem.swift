// Small file-system helpers shared by the loaders: sorted folder listings, image-file tests and the
// frame number at the end of a file name.

import Foundation
import Vocabulary

enum FileSystem {
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "tif", "tiff"]

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    static func join(_ parts: String...) -> String {
        parts.dropFirst().reduce(parts[0]) { ($0 as NSString).appendingPathComponent($1) }
    }

    /// Names in a folder, without hidden files, sorted.
    static func list(_ path: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw DataError.missingPath(path: path, expected: "a readable folder")
        }
    }

    static func subfolders(_ path: String) throws -> [String] {
        try list(path).filter { isDirectory(join(path, $0)) }
    }

    static func isImageName(_ name: String) -> Bool {
        imageExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// Image files (names) directly in a folder, sorted.
    static func images(_ path: String) throws -> [String] {
        try list(path).filter { isImageName($0) && !isDirectory(join(path, $0)) }
    }

    /// The number at the end of a file's stem: `S010_004_00000017.png` -> 17.
    static func trailingNumber(_ name: String) -> Int? {
        let stem = (name as NSString).deletingPathExtension
        let digits = stem.reversed().prefix { $0.isASCII && $0.isNumber }
        return digits.isEmpty ? nil : Int(String(digits.reversed()))
    }

    static func requireRoot(_ root: String, expected: String) throws {
        guard isDirectory(root) else { throw DataError.missingPath(path: root, expected: expected) }
    }

    static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError.missingPath(path: path, expected: "a readable text file")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Chooses frames from a sequence sorted by frame number.
enum FramePick {
    /// The frames `selection` names (the spec's `dataset.frames`).
    static func pick(_ frames: [Int], _ selection: FrameSelection) -> [Int] {
        switch selection {
        case .last3: return last(frames, count: 3)
        case .last1: return last(frames, count: 1)
        case .middle3: return middle(frames, count: 3)
        }
    }

    /// The last `count` frames (peak expression: CK+, Oulu-CASIA).
    static func last(_ frames: [Int], count: Int) -> [Int] { Array(frames.suffix(count)) }

    /// The `count` frames around the middle (apex: MMI).
    static func middle(_ frames: [Int], count: Int) -> [Int] {
        guard frames.count > count else { return frames }
        let start = (frames.count - count) / 2
        return Array(frames[start..<(start + count)])
    }
}

/// Minimal CSV reading (comma-separated, optional double quotes, header row).
enum CSV {
    static func rows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            rows.append(fields(String(line)))
        }
        return rows
    }

    static func fields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle() } else if ch == "," && !quoted {
                fields.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else if ch != "\r" { current.append(ch) }
        }
        fields.append(current.trimmingCharacters(in: .whitespaces))
        return fields
    }
}
