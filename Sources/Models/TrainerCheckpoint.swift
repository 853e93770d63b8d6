// Checkpoints of the trainers: every parameter and BatchNorm buffer, the Adam states, every random
// stream, the epoch and the configuration, so that a resumed job ends bit-identical to one that
// never stopped. Restoring checks everything before changing anything: a checkpoint of another
// model, architecture or spec is an error naming the tensor or setting that differs.
//
// Metadata keys: "model" (hagan | cnn), "epoch", "config" (JSON, sorted keys), "stream.<purpose>"
// ("seed:w0,w1,w2,w3"), and the caller's own entries under "extra.<key>". A trainer can also be
// rebuilt from a checkpoint alone (its configuration read from "config"), as `exp predict` does.

import Foundation
import NN

/// A checkpoint the trainer cannot resume from (user input): each case names the file and the difference.
public enum ModelCheckpointError: Error, CustomStringConvertible, Equatable {
    case wrongModel(path: String, found: String, expected: String)
    case specMismatch(path: String, key: String, checkpoint: String, current: String)
    case badMetadata(path: String, key: String)
    case architecture(path: String, problem: String, differences: [String])

    public var description: String {
        switch self {
        case .wrongModel(let p, let f, let e):
            return "checkpoint \(p) holds a '\(f)' model, not '\(e)'; point to a checkpoint of the same model"
        case .specMismatch(let p, let k, let c, let cur):
            return "checkpoint \(p) was written with \(k) = \(c), the current spec has \(cur); resume with the same spec or start a new job"
        case .badMetadata(let p, let k):
            return "checkpoint \(p) has a missing or malformed '\(k)' entry; it was not written by an exp trainer of this version"
        case .architecture(let p, let problem, let differences):
            let why = differences.isEmpty ? "" : " (settings that differ: \(differences.joined(separator: "; ")))"
            return "checkpoint \(p) does not fit this architecture: \(problem)\(why)"
        }
    }
}

extension HAGANTrainer {
    /// Everything needed to resume; `extra` entries (the caller's own streams, say) come back from `restore`.
    public func checkpoint(extra: [String: String] = [:]) -> Checkpoint {
        let nets = networkTensors.map { NamedTensor(name: $0.name, tensor: $0.value) }
        let tensors = nets + generatorOptimizer.stateTensors(prefix: "adam.generator")
            + discriminatorOptimizer.stateTensors(prefix: "adam.discriminator")
        return Checkpoint(tensors: tensors, metadata: trainerMetadata(
            model: "hagan", epoch: completedEpochs, config: config, streams: ["root": random, "noise": noiseStream], extra: extra))
    }

    /// Restores a checkpoint written by `checkpoint(extra:)` with the same configuration; returns the
    /// caller's `extra` entries. Nothing changes when it throws.
    @discardableResult
    public func restore(from checkpoint: Checkpoint) throws -> [String: String] {
        let saved = try checkMetadata(checkpoint, model: "hagan", config: config)
        let nets = networkTensors
        let expected = nets.map { ($0.name, $0.value.shape) }
            + adamLayout(generatorOptimizer, prefix: "adam.generator") + adamLayout(discriminatorOptimizer, prefix: "adam.discriminator")
        try checkTensors(checkpoint, expected: expected, savedConfig: saved.configJSON, current: config)
        try checkSpec(checkpoint, savedConfigJSON: saved.configJSON, current: config)
        let root = try stream(checkpoint, "root"), noise = try stream(checkpoint, "noise")
        try checkpoint.load(into: nets)
        try generatorOptimizer.restore(from: checkpoint, prefix: "adam.generator")
        try discriminatorOptimizer.restore(from: checkpoint, prefix: "adam.discriminator")
        random = root
        noiseStream = noise
        completedEpochs = saved.epoch
        return saved.extra
    }
}

extension CNNTrainer {
    /// Everything needed to resume; `extra` entries come back from `restore`.
    public func checkpoint(extra: [String: String] = [:]) -> Checkpoint {
        let tensors = networkTensors.map { NamedTensor(name: $0.name, tensor: $0.value) }
            + optimizer.stateTensors(prefix: "adam.cnn")
        return Checkpoint(tensors: tensors, metadata: trainerMetadata(
            model: "cnn", epoch: completedEpochs, config: config, streams: [:], extra: extra))
    }

    /// Restores a checkpoint written by `checkpoint(extra:)` with the same configuration; returns the
    /// caller's `extra` entries. Nothing changes when it throws.
    @discardableResult
    public func restore(from checkpoint: Checkpoint) throws -> [String: String] {
        let saved = try checkMetadata(checkpoint, model: "cnn", config: config)
        let params = networkTensors
        try checkTensors(checkpoint, expected: params.map { ($0.name, $0.value.shape) } + adamLayout(optimizer, prefix: "adam.cnn"),
                         savedConfig: saved.configJSON, current: config)
        try checkSpec(checkpoint, savedConfigJSON: saved.configJSON, current: config)
        try checkpoint.load(into: params)
        try optimizer.restore(from: checkpoint, prefix: "adam.cnn")
        completedEpochs = saved.epoch
        return saved.extra
    }
}

extension HAGANTrainer {
    /// The trainer a checkpoint holds, its configuration read from the checkpoint's metadata: an
    /// error when the file is no HA-GAN checkpoint or its tensors do not fit that configuration.
    public convenience init(checkpoint: Checkpoint) throws {
        let config: HAGANConfig = try savedConfig(checkpoint, model: "hagan")
        try validSaved(checkpoint, config.validate)
        let s = downsampledSizes(config.imageSize)[4]
        // G's encoder and decoder linears and D's trunk linear, the layers that grow with the crop.
        try requireStoredWeights(checkpoint, (256 * s * s) * (2 * config.codeSize + config.characterCount + config.noiseSize) + 128 * s * s * 1024,
                                 config: "imageSize \(config.imageSize), codeSize \(config.codeSize), noiseSize \(config.noiseSize)")
        try self.init(config: config, random: SeededGenerator(seed: 0))
        try restore(from: checkpoint)
    }
}

extension CNNTrainer {
    /// The trainer a checkpoint holds, its configuration read from the checkpoint's metadata: an
    /// error when the file is no CNN checkpoint or its tensors do not fit that configuration.
    public convenience init(checkpoint: Checkpoint) throws {
        let config: CNNConfig = try savedConfig(checkpoint, model: "cnn")
        try validSaved(checkpoint, config.validate)
        let s = downsampledSizes(config.imageSize)[4]
        try requireStoredWeights(checkpoint, 128 * s * s * 1024, config: "imageSize \(config.imageSize)")
        try self.init(config: config, random: SeededGenerator(seed: 0))
        try restore(from: checkpoint)
    }
}

// MARK: Shared helpers

/// Runs a configuration's `validate` on the one a checkpoint holds: a value out of range there
/// (the file was edited) is an error about the checkpoint.
func validSaved(_ c: Checkpoint, _ validate: () throws -> Void) throws {
    do { try validate() } catch let error as ModelConfigError {
        throw ModelCheckpointError.architecture(path: c.path, problem: "its configuration is not usable (\(error))", differences: [])
    }
}

/// A checkpoint stores every weight of its networks: one whose configuration asks for more weights
/// (in its largest layers alone) than the file holds was changed after training, and building
/// those networks could exhaust memory, so it is refused before anything is allocated.
func requireStoredWeights(_ c: Checkpoint, _ needed: Int, config: String) throws {
    let stored = c.tensors.reduce(0) { $0 + $1.tensor.count }
    guard needed <= stored else {
        throw ModelCheckpointError.architecture(
            path: c.path, problem: "its configuration (\(config)) needs at least \(needed) weights but the file holds \(stored) numbers; "
                + "the file was changed after training, use the checkpoint `exp run` wrote", differences: [])
    }
}

/// The configuration saved in a checkpoint of `model`, strictly decoded.
func savedConfig<C: Decodable>(_ c: Checkpoint, model: String) throws -> C {
    let saved = try checkMetadata(c, model: model, config: ())
    guard let config = try? JSONDecoder().decode(C.self, from: Data(saved.configJSON.utf8)) else {
        throw ModelCheckpointError.badMetadata(path: c.path, key: "config")
    }
    return config
}

func trainerMetadata<C: Encodable>(model: String, epoch: Int, config: C, streams: [String: SeededGenerator],
                                   extra: [String: String]) -> [String: String] {
    var meta = ["model": model, "epoch": String(epoch), "config": jsonString(config)]
    for (purpose, s) in streams {
        meta["stream.\(purpose)"] = "\(s.seed):" + s.stateWords.map(String.init).joined(separator: ",")
    }
    for (k, v) in extra { meta["extra.\(k)"] = v }
    return meta
}

private func jsonString<C: Encodable>(_ value: C) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
}

/// The metadata every trainer checkpoint carries, checked for the model kind.
func checkMetadata<C>(_ c: Checkpoint, model: String, config: C) throws -> (epoch: Int, configJSON: String, extra: [String: String]) {
    guard let found = c.metadata["model"] else { throw ModelCheckpointError.badMetadata(path: c.path, key: "model") }
    guard found == model else { throw ModelCheckpointError.wrongModel(path: c.path, found: found, expected: model) }
    guard let epoch = c.metadata["epoch"].flatMap({ Int($0) }), epoch >= 0 else {
        throw ModelCheckpointError.badMetadata(path: c.path, key: "epoch")
    }
    guard let json = c.metadata["config"] else { throw ModelCheckpointError.badMetadata(path: c.path, key: "config") }
    var extra: [String: String] = [:]
    for (k, v) in c.metadata where k.hasPrefix("extra.") { extra[String(k.dropFirst(6))] = v }
    return (epoch, json, extra)
}

/// The saved random stream for `purpose`.
func stream(_ c: Checkpoint, _ purpose: String) throws -> SeededGenerator {
    let key = "stream.\(purpose)"
    guard let text = c.metadata[key] else { throw ModelCheckpointError.badMetadata(path: c.path, key: key) }
    let parts = text.split(separator: ":")
    guard parts.count == 2, let seed = UInt64(parts[0]) else { throw ModelCheckpointError.badMetadata(path: c.path, key: key) }
    let words = parts[1].split(separator: ",").compactMap { UInt64($0) }
    guard words.count == 4 else { throw ModelCheckpointError.badMetadata(path: c.path, key: key) }
    return SeededGenerator(seed: seed, state: words)
}

/// Names and shapes of an Adam optimiser's state tensors, as `stateTensors(prefix:)` writes them.
func adamLayout(_ adam: Adam, prefix: String) -> [(String, [Int])] {
    [("\(prefix).step", [1])] + adam.parameters.flatMap { [("\(prefix).m.\($0.name)", $0.value.shape), ("\(prefix).v.\($0.name)", $0.value.shape)] }
}

/// Every expected tensor present with its shape and no other tensor; the error names the first that
/// differs and lists the configuration settings that differ, which usually explain it.
func checkTensors<C: Codable>(_ c: Checkpoint, expected: [(String, [Int])], savedConfig: String, current: C) throws {
    let differences = configDifferences(savedConfig, current)
    do {
        for (name, shape) in expected { _ = try c.tensor(name, shape: shape) }
        let known = Set(expected.map(\.0))
        let extra = c.tensors.map(\.name).filter { !known.contains($0) }
        if !extra.isEmpty { throw CheckpointError.unexpectedTensors(path: c.path, names: extra) }
    } catch let error as CheckpointError {
        throw ModelCheckpointError.architecture(path: c.path, problem: error.description, differences: differences)
    }
}

/// The saved configuration equals the current one.
func checkSpec<C: Codable>(_ c: Checkpoint, savedConfigJSON: String, current: C) throws {
    if let first = configDifferenceEntries(savedConfigJSON, current).first {
        throw ModelCheckpointError.specMismatch(path: c.path, key: first.key, checkpoint: first.saved, current: first.current)
    }
}

private func configDifferences<C: Codable>(_ savedJSON: String, _ current: C) -> [String] {
    configDifferenceEntries(savedJSON, current).map { "\($0.key): checkpoint \($0.saved), current \($0.current)" }
}

/// Top-level settings whose JSON differs between the saved configuration and `current`, sorted by key.
/// The saved configuration is first read as this build reads it, so settings an earlier build did
/// not write take their defaults and former spellings their present ones (a checkpoint written
/// before a setting existed still resumes, and loads in `exp predict`).
private func configDifferenceEntries<C: Codable>(_ savedJSON: String, _ current: C) -> [(key: String, saved: String, current: String)] {
    func object(_ json: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
    }
    let normalized = (try? JSONDecoder().decode(C.self, from: Data(savedJSON.utf8))).map(jsonString) ?? savedJSON
    // The spec's settings are nested ("settings", its "training"): compared setting by setting.
    func flat(_ object: [String: Any]) -> [String: Any] {
        var out: [String: Any] = [:]
        for (key, value) in object {
            if ["settings", "training"].contains(key), let inner = value as? [String: Any] {
                out.merge(flat(inner)) { a, _ in a }
            } else {
                out[key] = value
            }
        }
        return out
    }
    let saved = flat(object(normalized)), now = flat(object(jsonString(current)))
    func text(_ v: Any?) -> String {
        guard let v else { return "(absent)" }
        if let data = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(v)"
    }
    return Set(saved.keys).union(now.keys).sorted().compactMap { key in
        let a = text(saved[key]), b = text(now[key])
        return a == b ? nil : (key, a, b)
    }
}
