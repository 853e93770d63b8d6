// DatasetDescription and DatasetLoaders: how a dataset is named (its typed source, root, class set)
// and the table of loaders that turns a description into a `Dataset`. Loaders are values in a
// registry passed explicitly, so another module (the synthetic, in-memory dataset) provides a
// kind's loader by conforming to `DatasetLoader` and registering it.

import Foundation
import Vocabulary

public struct DatasetDescription: Equatable, Sendable {
    /// The kind and what its loader reads beyond the root (`DatasetSource`).
    public var source: DatasetSource
    /// Dataset root folder (a CSV file for `csv`; unused for `synthetic`).
    public var root: String
    public var classes: ClassSet
    /// A folder of OpenFace 2.0 FeatureExtraction CSVs (`<image name>.csv` or `<path under the
    /// root>.csv`) whose landmarks align the images that have none of their own; any kind.
    public var openface: String?
    /// Skip unreadable images (counted in `Dataset.skipped`) instead of failing.
    public var skipUnreadable: Bool

    public init(source: DatasetSource, root: String, classes: ClassSet = .basic6, openface: String? = nil, skipUnreadable: Bool = false) {
        self.source = source
        self.root = root
        self.classes = classes
        self.openface = openface
        self.skipUnreadable = skipUnreadable
    }

    /// A dataset named as on the command line: its kind, root and `--option key=value` strings
    /// (`openface` and the kind's own keys, `DatasetSource.optionKeys`).
    public init(kind: String, root: String, classes: ClassSet = .basic6, options: [String: String] = [:], skipUnreadable: Bool = false) throws {
        var own = options
        let openface = own.removeValue(forKey: "openface")
        self.init(source: try DatasetSource(kind: kind, options: own), root: root, classes: classes, openface: openface,
                  skipUnreadable: skipUnreadable)
    }

    /// The loader name: ckplus, oulu, mmi, jaffe, ferg, folder, csv, synthetic.
    public var kind: String { source.kind }
}

/// Turns descriptions of one kind into datasets.
public protocol DatasetLoader: Sendable {
    /// The `kind` this loader handles (`DatasetSource.kind`).
    var kind: String { get }
    /// Lists the dataset's samples (without decoding the images).
    func load(_ description: DatasetDescription) throws -> Dataset
}

/// The loaders known to a program, by kind.
public struct DatasetLoaders: Sendable {
    public private(set) var loaders: [String: any DatasetLoader]

    public init(_ loaders: [any DatasetLoader]) {
        self.loaders = [:]
        for loader in loaders { register(loader) }
    }

    /// The native-layout loaders of this module.
    public static let builtIn = DatasetLoaders([
        CKPlusLoader(), OuluLoader(), MMILoader(), JAFFELoader(), FERGLoader(), FolderLoader(), ManifestLoader(),
    ])

    /// Adds or replaces the loader for `loader.kind`.
    public mutating func register(_ loader: any DatasetLoader) {
        loaders[loader.kind] = loader
    }

    public var kinds: [String] { loaders.keys.sorted() }

    /// Loads a dataset: finds the kind's loader, lists the samples, attaches OpenFace landmarks
    /// when asked, then (when `checkImages`) decodes every file so unreadable ones are found now:
    /// in strict mode they are all listed in one `DataError.unreadableFiles`; with `skipUnreadable`
    /// they are dropped and recorded in `skipped`.
    public func load(_ description: DatasetDescription, checkImages: Bool = true) throws -> Dataset {
        guard let loader = loaders[description.kind] else {
            throw DataError.unknownKind(kind: description.kind, known: kinds)
        }
        var dataset = try loader.load(description)
        if let folder = description.openface {
            try attachOpenFaceLandmarks(&dataset, folder: folder)
        }
        if dataset.samples.isEmpty {
            throw DataError.noImages(root: description.root,
                                     expected: "\(description.kind) images labelled with one of "
                                         + dataset.classes.map(\.rawValue).joined(separator: ", "))
        }
        if checkImages { try checkReadable(&dataset) }
        return dataset
    }

    private func checkReadable(_ dataset: inout Dataset) throws {
        var unreadable: [SkippedFile] = []
        var kept: [Sample] = []
        kept.reserveCapacity(dataset.samples.count)
        for sample in dataset.samples {
            guard case .file(let path) = sample.source else {
                kept.append(sample)
                continue
            }
            do {
                _ = try Image(contentsOf: path)
                kept.append(sample)
            } catch let error as DataError {
                if case let .cannotDecode(_, reason) = error {
                    unreadable.append(SkippedFile(path: path, reason: "unreadable: \(reason)"))
                } else {
                    throw error
                }
            }
        }
        guard !unreadable.isEmpty else { return }
        guard dataset.description.skipUnreadable else { throw DataError.unreadableFiles(unreadable) }
        dataset.samples = kept
        dataset.skipped += unreadable
    }

    /// OpenFace landmarks for the samples without landmarks of their own: `<folder>/<path under the
    /// root without extension>.csv` (the tree `exp data align` writes, where frames of different
    /// sequences may share a name), else `<folder>/<image name without extension>.csv` (OpenFace's
    /// flat output).
    private func attachOpenFaceLandmarks(_ dataset: inout Dataset, folder: String) throws {
        guard FileSystem.isDirectory(folder) else {
            throw DataError.missingPath(path: folder, expected: "a folder of OpenFace FeatureExtraction CSV files")
        }
        var base = (dataset.description.root as NSString).standardizingPath
        if !FileSystem.isDirectory(base) { base = (base as NSString).deletingLastPathComponent }
        for i in dataset.samples.indices where dataset.samples[i].landmarks == nil {
            guard case .file(let path) = dataset.samples[i].source else { continue }
            let full = (path as NSString).standardizingPath
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            var candidates = [FileSystem.join(folder, stem + ".csv")]
            if full.hasPrefix(base + "/") {
                let relative = (String(full.dropFirst(base.count + 1)) as NSString).deletingPathExtension
                candidates.insert(FileSystem.join(folder, relative + ".csv"), at: 0)
            }
            guard let csv = candidates.first(where: FileSystem.exists) else { continue }
            let rows = try OpenFaceCSV.read(csv)
            dataset.samples[i].landmarks = rows.first(where: \.success)?.points
            dataset.samples[i].landmarkSource = dataset.samples[i].landmarks == nil ? nil : .openface
        }
    }
}
