// SpecLoader: reads a spec file, applies `--set` overrides, decodes strictly, and computes the
// canonical JSON (sorted keys, defaults filled, no whitespace) whose SHA-256 identifies the experiment.

import Foundation
import Hashing

/// A decoded spec with its identity.
public struct LoadedSpec: Equatable, Sendable {
    public let spec: ExperimentSpec
    /// Canonical JSON of the spec with every default filled in.
    public let canonicalJSON: String
    /// Lower-case hex SHA-256 of `canonicalJSON`: the experiment's identity.
    public let hash: String
    /// The overrides applied, as typed.
    public let overrides: [String]
}

public enum SpecLoader {
    /// Loads a spec file. Errors carry the file name.
    public static func load(path: String, overrides: [String] = []) throws -> LoadedSpec {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw SpecError.file(path: path, reason: "is a folder, expected a spec file (JSON), such as experiments/demo.json")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SpecError.file(path: path, reason: "cannot read the spec file (\(error.localizedDescription))")
        }
        do {
            return try load(bytes: [UInt8](data), overrides: overrides)
        } catch let error as SpecError {
            if case .override = error { throw error }
            throw SpecError.file(path: path, reason: error.description)
        }
    }

    /// Loads a spec from JSON bytes.
    public static func load(bytes: [UInt8], overrides: [String] = []) throws -> LoadedSpec {
        var tree = try JSONParser.parse(bytes)
        let parsed = try overrides.map(SpecOverride.init(parsing:))
        for override in parsed { try override.apply(to: &tree) }
        let spec: ExperimentSpec
        do {
            spec = try StrictJSON.decode(ExperimentSpec.self, from: tree)
        } catch let error as SpecError {
            if let path = error.path, let culprit = parsed.last(where: { $0.covers(path) }) {
                throw SpecError.override(text: culprit.text, reason: error.description)
            }
            throw error
        }
        return try identify(spec, overrides: overrides)
    }

    public static func load(text: String, overrides: [String] = []) throws -> LoadedSpec {
        try load(bytes: Array(text.utf8), overrides: overrides)
    }

    /// The canonical JSON and hash of an already-built spec.
    public static func identify(_ spec: ExperimentSpec, overrides: [String] = []) throws -> LoadedSpec {
        let canonical = try canonicalJSON(of: spec)
        return LoadedSpec(spec: spec, canonicalJSON: canonical, hash: SHA256.hex(of: Array(canonical.utf8)), overrides: overrides)
    }

    /// Encodes through `JSONEncoder`, re-parses, and writes the canonical form, so the text does
    /// not depend on Foundation's number formatting or key order.
    public static func canonicalJSON(of spec: ExperimentSpec) throws -> String {
        let encoded = try JSONEncoder().encode(spec)
        return try JSONParser.parse([UInt8](encoded)).canonicalText
    }
}
