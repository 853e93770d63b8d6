// SpecSweep: `exp run SPEC --sweep models[1].l1Weight=1,10,100` expands a spec into one experiment
// per value (several --sweep options: one per combination, their Cartesian product). Each expanded
// spec is the spec file with the `--set` overrides and then the sweep's values applied, named for its
// values (`demo[models[1].l1Weight=10]`), so each is an experiment of its own with its own hash.
// Every expanded spec is decoded before anything is written: an unknown key, an index out of range
// or a value of the wrong type is an error naming the --sweep option, the key and the spec file.

import Foundation
import Hashing

/// One parsed `--sweep key=v1,v2,...` option.
public struct SweepOption: Equatable, Sendable {
    /// The text as the user typed it.
    public let text: String
    /// The key path as written in names and messages (`models[1].l1Weight`).
    public let key: String
    public let path: [SpecPathComponent]
    /// Each value as typed (trimmed), and as JSON (a plain string when the text is not JSON).
    public let values: [(text: String, value: JSONValue)]

    public static func == (a: SweepOption, b: SweepOption) -> Bool { a.text == b.text }

    /// Parses `path=v1,v2,...`. Values are split at commas outside brackets, braces and quotes,
    /// so `dataset.augmentation=["center"],["center","center:flip"]` gives two lists.
    public init(parsing text: String) throws {
        self.text = text
        let fail = { (reason: String) in SpecError.sweepOption(text: text, reason: reason) }
        guard let equals = text.firstIndex(of: "=") else {
            throw fail("expected key=value1,value2,..., e.g. models[1].l1Weight=1,10,100")
        }
        do {
            path = try SpecOverride.parsePath(String(text[..<equals]), text: text)
        } catch {
            throw fail("malformed key \"\(text[..<equals])\"; write keys separated by dots and indexes in brackets, e.g. models[1].l1Weight")
        }
        key = formatPath(path)
        if path.first == .key("name") || path.first == .key("specVersion") {
            throw fail("\(key) cannot be swept (each expanded experiment is named for its values)")
        }
        let texts = SweepOption.splitValues(String(text[text.index(after: equals)...]))
        guard !texts.isEmpty, !texts.contains(where: \.isEmpty) else {
            throw fail("give one or more values separated by commas, e.g. \(key)=1,10,100")
        }
        values = texts.map { t in (t, (try? JSONParser.parse(t)) ?? .string(t)) }
        // The same value twice (also written differently: 10 and 1e1) would be one experiment twice.
        var seen: [String: String] = [:]
        for (t, v) in values {
            if let earlier = seen[v.canonicalText] {
                throw fail(earlier == t ? "the value \(t) is given twice" : "the values \(earlier) and \(t) are the same value")
            }
            seen[v.canonicalText] = t
        }
    }

    /// Splits at the commas that are not inside brackets, braces or a quoted string.
    static func splitValues(_ s: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quoted = false
        var escaped = false
        for c in s {
            if quoted {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { quoted = false }
            } else if c == "\"" {
                quoted = true
            } else if c == "[" || c == "{" {
                depth += 1
            } else if c == "]" || c == "}" {
                depth -= 1
            } else if c == ",", depth == 0 {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                continue
            }
            current.append(c)
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return s.isEmpty ? [] : parts
    }
}

/// One experiment of a sweep: the values it takes and its spec.
public struct SweepPoint: Sendable {
    /// `key=value` per --sweep option, in option order (as typed).
    public let assignments: [String]
    public let loaded: LoadedSpec
}

/// A sweep expanded: its identity, the options, and its experiments in order (the first option's
/// values vary slowest).
public struct ExpandedSweep: Sendable {
    /// SHA-256 (hex) over the base spec's hash (spec file and --set overrides) and the --sweep
    /// options as typed: the same command gives the same sweep.
    public let hash: String
    /// The spec's own name.
    public let name: String
    public let specPath: String
    /// The --sweep options as typed.
    public let options: [String]
    /// The --set overrides as typed (applied to every experiment).
    public let overrides: [String]
    public let points: [SweepPoint]
}

public enum SpecSweep {
    /// Expands the spec file at `path` with `--set` overrides and `--sweep` options.
    public static func expand(path: String, overrides: [String] = [], sweeps: [String]) throws -> ExpandedSweep {
        let base = try SpecLoader.load(path: path, overrides: overrides)
        let options = try sweeps.map(SweepOption.init(parsing:))
        var keys = Set<String>()
        for o in options where !keys.insert(o.key).inserted {
            throw SpecError.sweepOption(text: o.text, reason: "\(o.key) is swept by another --sweep option too; give its values in one")
        }
        var tree = try JSONParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        for o in try overrides.map(SpecOverride.init(parsing:)) { try o.apply(to: &tree) }

        // Every combination, the first option's values varying slowest.
        var combinations: [[Int]] = [[]]
        for o in options { combinations = combinations.flatMap { c in o.values.indices.map { c + [$0] } } }
        var points: [SweepPoint] = []
        var hashes: [String: String] = [:]
        for combination in combinations {
            var expanded = tree
            var assignments: [String] = []
            for (o, i) in zip(options, combination) {
                let assignment = "\(o.key)=\(o.values[i].text)"
                assignments.append(assignment)
                do {
                    try SpecOverride(path: o.path, value: o.values[i].value, text: assignment).apply(to: &expanded)
                } catch let error as SpecError {
                    throw SpecError.sweep(option: o.text, key: o.key, specFile: path, reason: reason(of: error))
                }
            }
            let name = try sweepName(base.spec.name, assignments, option: options.last?.text ?? "", specFile: path)
            if case .object(var fields) = expanded {
                fields["name"] = .string(name)
                expanded = .object(fields)
            }
            let spec: ExperimentSpec
            do {
                spec = try StrictJSON.decode(ExperimentSpec.self, from: expanded)
            } catch let error as SpecError {
                let culprit = options.last { o in error.path.map { covers(o.path, $0) } ?? false } ?? options.last!
                throw SpecError.sweep(option: culprit.text, key: culprit.key, specFile: path,
                                      reason: "with \(assignments.joined(separator: ", ")): \(error.description)")
            }
            let loaded = try SpecLoader.identify(spec, overrides: overrides + assignments)
            if let earlier = hashes[loaded.hash] {
                throw SpecError.sweep(option: options.last!.text, key: options.last!.key, specFile: path,
                                      reason: "\(assignments.joined(separator: ", ")) gives the same experiment as \(earlier)")
            }
            hashes[loaded.hash] = assignments.joined(separator: ", ")
            points.append(SweepPoint(assignments: assignments, loaded: loaded))
        }
        let identity = (["sweep", base.hash] + options.map(\.text)).joined(separator: "\n")
        return ExpandedSweep(hash: SHA256.hex(of: Array(identity.utf8)), name: base.spec.name, specPath: path,
                             options: options.map(\.text), overrides: overrides, points: points)
    }

    /// `demo[models[1].l1Weight=10]`, `demo[models[1].l1Weight=10,protocol.folds=3]`; the spec's name
    /// is shortened when the whole would be longer than the 100 characters a name may have.
    static func sweepName(_ base: String, _ assignments: [String], option: String, specFile: String) throws -> String {
        let suffix = "[" + assignments.joined(separator: ",") + "]"
        guard suffix.count < 100 else {
            throw SpecError.sweepOption(text: option, reason: "the experiment name \(base)\(suffix) would be longer than 100 characters; sweep fewer or shorter values")
        }
        return String(base.prefix(100 - suffix.count)) + suffix
    }

    /// The reason of an override error without its `--set TEXT:` prefix.
    private static func reason(of error: SpecError) -> String {
        if case .override(_, let reason) = error { return reason }
        return error.description
    }

    /// Whether an error path lies at, under or above a swept path.
    private static func covers(_ path: [SpecPathComponent], _ errorPath: String) -> Bool {
        let mine = formatPath(path)
        func isBelow(_ a: String, _ b: String) -> Bool { a.hasPrefix(b + ".") || a.hasPrefix(b + "[") }
        return errorPath == mine || isBelow(errorPath, mine) || isBelow(mine, errorPath)
    }
}
