// SyntheticFiles: the folders and text files of the synthetic dataset trees, with errors that name
// the path. Images are written by the shared codecs (`Image.writePNG`, `writeJPEG`, `writeTIFF`).

import FaceData
import Foundation

public enum SyntheticWriteError: Error, CustomStringConvertible, Equatable {
    case cannotCreateDirectory(path: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason):
            "cannot create the directory \(path): \(reason); check the path and its permissions"
        case .cannotWrite(let path, let reason):
            "cannot write \(path): \(reason); check the path, free space and permissions"
        }
    }
}

enum SyntheticFiles {
    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw SyntheticWriteError.cannotCreateDirectory(path: path, reason: error.localizedDescription)
        }
    }

    static func write(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw SyntheticWriteError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }
}
