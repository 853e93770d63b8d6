// DatasetDescription and DatasetLoaders: how a dataset is named (kind, root, class set, options)
// and the table of loaders that turns a description into a `Dataset`.
// The description is Codable so that a run spec's `dataset` object can carry it; loaders are values
// in a registry passed explicitly, so another module (for example a synthetic, in-memory dataset)
// adds a kind by conforming to `DatasetLoader` and registering it, without touching this file.

import Foundation
import Vocabulary

public struct DatasetDescription: Codable, Equatable, Sendable {
    /// Loader name: ckplus, oulu, mmi, jaffe, ferg, folder, manifest (or a registered kind).
    public var kind: String
    /// Dataset root folder (a CSV file for `manifest`).
    public var root: String
    public var classes: ClassSet
    /// Loader options (string values); each loader lists the keys it accepts.
    public var options: [String: String]
    /// Skip unreadable images (counted in `Dataset.skipped`) instead of failing.
    public var skipUnreadable: Bool

    public init(kind: String, root: String, classes: ClassSet = .basic6, options: [String: String] = [:],
                skipUnreadable: Bool = false) {
        self.kind = kind
        self.root = root
        self.classes = classes
        self.options = options
        self.skipUnreadable = skipUnreadable
    }

    private enum CodingKeys: String, CodingKey { case kind, root, classes, options, skipUnreadable }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(String.self, forKey: .kind)
        root = try c.decode(String.self, forKey: .root)
        classes = try c.decodeIfPresent(ClassSet.self, forKey: .classes) ?? .basic6
        options = try c.decodeIfPresent([String: String].self, forKey: .options) ?? [:]
        skipUnreadable = try c.decodeIfPresent(Bool.self, forKey: .skipUnreadable) ?? false
    }

    /// The `frames` option: which frames of each sequence (a `FrameSelection` spelling: last3,
    /// middle3, last1), or `defaultValue` when absent; another value throws `badOption`.
    public func frameSelection(default defaultValue: FrameSelection) throws -> FrameSelection {
        guard let text = options["frames"] else { return defaultValue }
        guard let value = FrameSelection(rawValue: text) else {
            throw DataError.badOption(key: "frames", value: text, expected: "one of " + FrameSelection.allowedValues.joined(separator: ", "))
        }
        return value
    }

    /// An integer option, or `defaultValue` when absent; a bad value throws `badOption`.
    public func intOption(_ key: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = options[key] else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw DataError.badOption(key: key, value: text,
                                      expected: "an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }
}

/// Turns descriptions of one kind into datasets.
public protocol DatasetLoader: Sendable {
    /// The `kind` this loader handles.
    var kind: String { get }
    /// The option keys it accepts, with a one-line explanation each.
    var options: [String: String] { get }
    /// Lists the dataset's samples (without decoding the images).
    func load(_ description: DatasetDescription) throws -> Dataset
}

/// Options every kind accepts, handled by `DatasetLoaders` after the loader ran.
public let commonDatasetOptions: [String: String] = [
    "openface": "folder of OpenFace 2.0 FeatureExtraction CSVs, <image name>.csv (or <path under the root>.csv), "
        + "used to align images without landmarks",
]

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

    /// Loads a dataset: checks the kind and options, lists the samples, attaches OpenFace landmarks
    /// when asked, then (when `checkImages`) decodes every file so unreadable ones are found now:
    /// in strict mode they are all listed in one `DataError.unreadableFiles`; with `skipUnreadable`
    /// they are dropped and recorded in `skipped`.
    public func load(_ description: DatasetDescription, checkImages: Bool = true) throws -> Dataset {
        guard let loader = loaders[description.kind] else {
            throw DataError.unknownKind(kind: description.kind, known: kinds)
        }
        for key in description.options.keys.sorted()
        where loader.options[key] == nil && commonDatasetOptions[key] == nil {
            let known = (Array(loader.options.keys) + Array(commonDatasetOptions.keys)).sorted()
            throw DataError.badOption(key: key, value: description.options[key]!,
                                      expected: "one of the \(description.kind) options: \(known.joined(separator: ", "))")
        }
        var dataset = try loader.load(description)
        if let folder = description.options["openface"] {
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
