// The files `exp serve` hands out: only regular files inside the results folder, of the kinds a
// run writes for people (sample grids, figures, exports), named by a path relative to it. A path
// with `..` or `.` components, a hidden or percent-encoded component, a backslash or a NUL, or one
// that passes through a symbolic link anywhere, is refused: nothing outside the folder is served.

import Foundation

public enum ResultsFiles {
    /// File kinds served, by extension, with their media type.
    static let mediaTypes = ["png": "image/png", "svg": "image/svg+xml", "csv": "text/csv; charset=utf-8",
                             "json": "application/json", "txt": "text/plain; charset=utf-8", "md": "text/markdown; charset=utf-8"]

    public enum Refusal: Error, Equatable {
        /// The path is malformed or tries to leave the folder (400).
        case badPath
        /// No such file of a served kind (404).
        case notFound
    }

    /// The absolute path of `components` (the request path after `/files/`) inside `root`.
    public static func resolve(_ components: [String], root: String) throws -> (path: String, mediaType: String) {
        guard !components.isEmpty else { throw Refusal.badPath }
        for c in components {
            if c.isEmpty || c == "." || c == ".." || c.hasPrefix(".") || c.contains("%") || c.contains("\\") || c.contains("\0")
                || c.contains("/") {
                throw Refusal.badPath
            }
        }
        guard let type = mediaTypes[(components.last! as NSString).pathExtension.lowercased()] else { throw Refusal.notFound }
        var path = URL(fileURLWithPath: root).standardizedFileURL.path
        for c in components {
            path = (path as NSString).appendingPathComponent(c)
            var info = stat()
            guard lstat(path, &info) == 0 else { throw Refusal.notFound }
            if (info.st_mode & S_IFMT) == S_IFLNK { throw Refusal.badPath }
        }
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw Refusal.notFound }
        return (path, type)
    }
}
