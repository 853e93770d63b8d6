// TuneSpace: the search space of `exp tune`, one `--space KEY=SET` option per key, in the path
// syntax of `--set` and `--sweep`. A key under `model.` is the tuned model's own (each model of the
// spec is tuned with its own trials: `model.adam.lr`); `models[i].KEY` belongs to model i only
// (`models[1].l1Weight`, a key only HA-GAN has); any other key (`dataset.augmentation`) is set in
// every model's trials. Sets:
//   v1,v2,...        a list (each value JSON, or plain text), drawn with equal chances
//   int(lo,hi)       an integer, uniform in lo...hi
//   real(lo,hi)      a real number, uniform in lo...hi
//   log(lo,hi)       a real number, uniform in log(lo)...log(hi) (learning rates, loss weights)
//   logint(lo,hi)    an integer, uniform in log(lo)...log(hi+1), rounded down
// Real values are rounded to 3 significant digits, so a trial's spec holds the value it shows.
// Every value is drawn from its own stream, derived from the spec seed, the model, the trial and
// the key: the same command draws the same trials on every machine, and adding a key leaves the
// others' draws as they were.

import Foundation
import Hashing

public struct TuneDimension: Sendable {
    public enum Domain: Sendable {
        case choice([(text: String, value: JSONValue)])
        case integer(Int64, Int64)
        case real(Double, Double)
        case logReal(Double, Double)
        case logInteger(Int64, Int64)
    }

    /// The option as typed.
    public let text: String
    /// The key as written (`model.adam.lr`).
    public let key: String
    let path: [SpecPathComponent]
    public let domain: Domain

    public init(parsing text: String) throws {
        self.text = text
        let fail = { (reason: String) in SpecError.tuneSpace(text: text, reason: reason) }
        guard let equals = text.firstIndex(of: "=") else {
            throw fail("expected KEY=SET, e.g. model.adam.lr=log(1e-4,1e-3) or model.batchSize=16,32,64")
        }
        do {
            path = try SpecOverride.parsePath(String(text[..<equals]), text: text)
        } catch {
            throw fail("malformed key \"\(text[..<equals])\"; write keys separated by dots and indexes in brackets, e.g. model.adam.lr")
        }
        key = formatPath(path)
        let first = path.first.flatMap { if case .key(let k) = $0 { k } else { nil } } ?? ""
        if ["name", "specVersion", "table", "seed", "protocol", "numerics", "tuning"].contains(first) {
            throw fail("\(key) cannot be tuned: a tune keeps the spec's name, table, seed, protocol and numerics")
        }
        if first == "models" || first == "model" {
            let rest = path.dropFirst(first == "models" ? 2 : 1)
            var indexed = false
            if path.count >= 3, case .index = path[1] { indexed = true }
            if first == "models", !indexed {
                throw fail("write models[i].KEY for a key of model i, or model.KEY for the key of whichever model is tuned")
            }
            if case .key(let k)? = rest.first, ["name", "kind", "epochs"].contains(k) {
                throw fail(k == "epochs"
                    ? "epochs are the resource the rungs share out: set the model's epochs in the spec to the most a trial may train"
                    : "a model's \(k) cannot be tuned")
            }
        }
        let set = String(text[text.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        if let open = set.firstIndex(of: "("), set.hasSuffix(")"),
           ["int", "real", "log", "logint"].contains(String(set[..<open])) {
            let function = String(set[..<open])
            let bounds = set[set.index(after: open)..<set.index(before: set.endIndex)].split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard bounds.count == 2 else { throw fail("\(function)(lo,hi) takes two bounds") }
            switch function {
            case "int", "logint":
                guard let lo = Int64(bounds[0]), let hi = Int64(bounds[1]), lo < hi else {
                    throw fail("\(function)(lo,hi) takes two integers with lo < hi")
                }
                if function == "logint" && lo < 1 { throw fail("logint(lo,hi) needs lo >= 1") }
                domain = function == "int" ? .integer(lo, hi) : .logInteger(lo, hi)
            default:
                guard let lo = Double(bounds[0]), let hi = Double(bounds[1]), lo.isFinite, hi.isFinite, lo < hi else {
                    throw fail("\(function)(lo,hi) takes two numbers with lo < hi")
                }
                if function == "log" && lo <= 0 { throw fail("log(lo,hi) needs lo > 0") }
                domain = function == "real" ? .real(lo, hi) : .logReal(lo, hi)
            }
        } else {
            let texts = SweepOption.splitValues(set)
            guard texts.count >= 2, !texts.contains(where: \.isEmpty) else {
                throw fail("give two or more values separated by commas (model.batchSize=16,32,64), or a range: int(lo,hi), real(lo,hi), log(lo,hi), logint(lo,hi)")
            }
            let values = texts.map { t in (text: t, value: (try? JSONParser.parse(t)) ?? JSONValue.string(t)) }
            if Set(values.map(\.value.canonicalText)).count != values.count { throw fail("a value is given twice") }
            domain = .choice(values)
        }
    }

    /// The path this key sets in the spec when model `index` is tuned; nil when the key belongs
    /// to another model.
    func path(tuning index: Int) -> [SpecPathComponent]? {
        switch path.first {
        case .key("model"): return [.key("models"), .index(index)] + path.dropFirst()
        case .key("models"):
            guard case .index(let i) = path[1] else { return nil }
            return i == index ? path : nil
        default: return path
        }
    }

    /// Draws a value with a generator seeded for this key, model and trial.
    func draw(seed: UInt64) -> (text: String, value: JSONValue) {
        var state = seed
        let u = Double(splitMix64(&state) >> 11) / Double(1 << 53)
        switch domain {
        case .choice(let values):
            return values[min(values.count - 1, Int(u * Double(values.count)))]
        case .integer(let lo, let hi):
            let v = lo + min(hi - lo, Int64(u * Double(hi - lo + 1)))
            return (String(v), .integer(v))
        case .logInteger(let lo, let hi):
            let v = min(hi, Int64(exp(log(Double(lo)) + u * (log(Double(hi + 1)) - log(Double(lo))))))
            return (String(v), .integer(v))
        case .real(let lo, let hi):
            return TuneDimension.rounded(lo + u * (hi - lo))
        case .logReal(let lo, let hi):
            return TuneDimension.rounded(exp(log(lo) + u * (log(hi) - log(lo))))
        }
    }

    static func rounded(_ x: Double) -> (text: String, value: JSONValue) {
        let text = String(format: "%.3g", x)
        return (text, .number(Double(text) ?? x))
    }
}

/// One trial's spec: the base spec with the trial's values, the tuned model alone, run 0 of the
/// first `folds` folds, and no test fold (`protocol.test` false): its jobs are scored on
/// validation subjects only.
public struct TuneTrialSpec: Sendable {
    /// `key=value` per dimension that applies to the model (as the spec takes them).
    public let assignments: [String]
    public let loaded: LoadedSpec
}

public enum TuneSpace {
    /// Sets a chosen trial's values (`key=value`, as `trial` made them for model `tunedModel`)
    /// in a spec tree, for its model at `targetModel`. A key of the whole experiment is set once;
    /// `global` holds the values set so far (and by which model's choice), and a second model
    /// choosing another value is an error.
    public static func apply(_ assignments: [String], dimensions: [TuneDimension], tunedModel: Int, targetModel: Int,
                             to tree: inout JSONValue, global: inout [String: (model: String, value: String)], model: String = "") throws {
        for assignment in assignments {
            let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let dimension = dimensions.first(where: { $0.key == parts[0] }) else { continue }
            let value = (try? JSONParser.parse(parts[1])) ?? .string(parts[1])
            var at: [SpecPathComponent]
            switch dimension.path.first {
            case .key("model"), .key("models"):
                guard let p = dimension.path(tuning: tunedModel) else { continue }
                at = p
                at[1] = .index(targetModel)
            default:
                if let earlier = global[dimension.key], earlier.value != parts[1] {
                    throw SpecError.tuneSpace(text: dimension.text, reason: "\(dimension.key) is one setting of the whole experiment, but "
                        + "the models chose different values (\(earlier.model): \(earlier.value), \(model): \(parts[1])); tune it per model "
                        + "with models[i].KEY where the spec allows, or fix it with --set")
                }
                global[dimension.key] = (model, parts[1])
                at = dimension.path
            }
            try SpecOverride(path: at, value: value, text: assignment).apply(to: &tree)
        }
    }

    /// The seed of a trial's value of `key`.
    static func seed(specSeed: UInt64, model: String, trial: Int, key: String, draw: Int = 0) -> UInt64 {
        let trialSeed = deriveSeed(deriveSeed(deriveSeed(specSeed, "tune"), model), String(trial))
        return deriveSeed(draw == 0 ? trialSeed : deriveSeed(trialSeed, "draw \(draw)"), key)
    }

    /// Trial `trial` of model `modelIndex` of the spec file at `path` (with `--set` overrides).
    /// `draw` > 0 draws the trial's values again from other streams (a trial whose values equal
    /// an earlier trial's is drawn again: `TuneRun`).
    public static func trial(path: String, overrides: [String], dimensions: [TuneDimension], modelIndex: Int, trial: Int,
                             folds: Int, draw: Int = 0) throws -> TuneTrialSpec {
        let base = try SpecLoader.load(path: path, overrides: overrides)
        var tree = try JSONParser.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        for o in try overrides.map(SpecOverride.init(parsing:)) { try o.apply(to: &tree) }
        let model = base.spec.models[modelIndex]
        var assignments: [String] = []
        for d in dimensions {
            guard let at = d.path(tuning: modelIndex) else { continue }
            let drawn = d.draw(seed: seed(specSeed: base.spec.seed, model: model.name, trial: trial, key: d.key, draw: draw))
            let text = "\(d.key)=\(drawn.text)"
            do {
                try SpecOverride(path: at, value: drawn.value, text: text).apply(to: &tree)
            } catch let error as SpecError {
                throw SpecError.tuneSpace(text: d.text, reason: "\(model.name): \(error.description)")
            }
            assignments.append(text)
        }
        guard case .object(var fields) = tree, case .array(let models)? = fields["models"], case .object(var proto)? = fields["protocol"] ?? .object([:])
        else { throw SpecError.file(path: path, reason: "expected an object with a list of models") }
        fields["models"] = .array([models[modelIndex]])
        let name = "\(base.spec.name) tune \(model.name) #\(trial)"
        fields["name"] = .string(String(name.suffix(100)))
        fields["table"] = .string("none")
        proto["runs"] = .integer(1)
        proto["test"] = .bool(false)
        proto["useFolds"] = .integer(Int64(folds))
        fields["protocol"] = .object(proto)
        fields["description"] = .string("Trial \(trial) of exp tune for \(model.name) (\(base.spec.name)): "
            + (assignments.isEmpty ? "the spec's settings" : assignments.joined(separator: ", "))
            + "; trained on run 0, folds 0-\(folds - 1), scored on validation subjects only (no test fold is loaded).")
        let spec: ExperimentSpec
        do {
            spec = try StrictJSON.decode(ExperimentSpec.self, from: .object(fields))
        } catch let error as SpecError {
            let culprit = dimensions.last { d in error.path.map { $0.hasPrefix(d.key) || $0.contains(d.key.replacingOccurrences(of: "model.", with: "")) } ?? false }
            throw SpecError.tuneSpace(text: culprit?.text ?? dimensions.map(\.text).joined(separator: " "),
                                      reason: "\(model.name) with \(assignments.joined(separator: ", ")): \(error.description)")
        }
        return TuneTrialSpec(assignments: assignments, loaded: try SpecLoader.identify(spec, overrides: overrides + assignments))
    }
}
