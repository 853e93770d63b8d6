// SyntheticFiles: writing synthetic images and text files to disk, with errors that name the path.

import Foundation

public enum SyntheticWriteError: Error, CustomStringConvertible, Equatable {
    case cannotCreateDirectory(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case layoutNeedsCodec(layout: String, format: String)

    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason):
            "cannot create the directory \(path): \(reason); check the path and its permissions"
        case .cannotWrite(let path, let reason):
            "cannot write \(path): \(reason); check the path, free space and permissions"
        case .layoutNeedsCodec(let layout, let format):
            "the \(layout) layout stores \(format) images, which this build cannot write yet; "
                + "use one of the PNG layouts: ckplus, ferg, folder, mmi"
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

    static func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        } catch {
            throw SyntheticWriteError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }
}

/// Writes `image` as an 8-bit PNG file (gray or RGB) at `path`.
public func writeSyntheticPNG(_ image: Image, to path: String) throws {
    try SyntheticFiles.write(SheetPNG.encode(image), to: path)
}
