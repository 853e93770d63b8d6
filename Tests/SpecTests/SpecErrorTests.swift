// Each kind of spec error gives a message naming the JSON path (or the line and column) and what
// is allowed.

import Spec
import TestSupport
import Testing

let minimalSpec = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "models": [{"name": "cnn", "kind": "cnn"}]}"#

func specError(_ text: String, overrides: [String] = []) -> SpecError? {
    do {
        _ = try SpecLoader.load(text: text, overrides: overrides)
        return nil
    } catch let error as SpecError {
        return error
    } catch {
        return nil
    }
}

@Test func unknownKeyNamesPathAndAllowedKeys() {
    let text = #"""
        {"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"},
         "models": [{"name": "a", "kind": "cnn"}, {"name": "b", "kind": "cnn", "adam": {"lr": 0.001, "betta1": 0.9}}]}
        """#
    let error = specError(text)
    #expect(error == .unknownKey(path: "models[1].adam.betta1", allowed: ["beta1", "beta2", "eps", "lr"]))
    #expect(error?.description == "models[1].adam.betta1: unknown key; allowed keys here: beta1, beta2, eps, lr")
}

@Test func unknownTopLevelKey() {
    let text = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "models": [{"name": "a", "kind": "cnn"}], "epochs": 3}"#
    guard case .unknownKey(let path, let allowed)? = specError(text) else {
        Issue.record("expected an unknown-key error")
        return
    }
    #expect(path == "epochs")
    #expect(allowed == ["character", "dataset", "description", "models", "name", "numerics", "protocol", "seed", "specVersion", "table", "tuning"])
}

@Test func kindSpecificKeysAreUnknownForOtherKinds() {
    let hagan = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "models": [{"name": "a", "kind": "cnn", "codeSize": 64}]}"#
    guard case .unknownKey(let path, let allowed)? = specError(hagan) else {
        Issue.record("expected an unknown-key error")
        return
    }
    #expect(path == "models[0].codeSize")
    #expect(allowed == ["adam", "averageDecay", "batchSize", "epochs", "evaluation", "initialization", "kind", "learningRateSchedule", "name"])
    let pattern = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic", "subjectPattern": "x(1)"}, "models": [{"name": "a", "kind": "cnn"}]}"#
    #expect(specError(pattern)?.path == "dataset.subjectPattern")
}

@Test func wrongTypeNamesPathAndExpectedType() {
    let text = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "models": [{"name": "a", "kind": "cnn", "epochs": "5"}]}"#
    let error = specError(text)
    #expect(error == .wrongType(path: "models[0].epochs", expected: "an integer", found: "string \"5\""))
    #expect(error?.description == "models[0].epochs: expected an integer, found string \"5\"")
    let fraction = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "models": [{"name": "a", "kind": "cnn", "batchSize": 2.5}]}"#
    #expect(specError(fraction) == .wrongType(path: "models[0].batchSize", expected: "an integer", found: "number 2.5"))
    let notObject = #"{"specVersion": 1, "name": "t", "dataset": [], "models": []}"#
    #expect(specError(notObject) == .wrongType(path: "dataset", expected: "an object", found: "array"))
}

@Test func outOfRangeNamesPathAndRange() {
    let folds = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "protocol": {"folds": 1}, "models": [{"name": "a", "kind": "cnn"}]}"#
    let error = specError(folds)
    #expect(error == .outOfRange(path: "protocol.folds", value: "1", allowed: "2...100"))
    #expect(error?.description == "protocol.folds: 1 is out of range; allowed: 2...100")
    let lr = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "models": [{"name": "a", "kind": "cnn", "adam": {"lr": 0}}]}"#
    #expect(specError(lr) == .outOfRange(path: "models[0].adam.lr", value: "0.0", allowed: "0 < lr <= 1"))
    #expect(specError(minimalSpec, overrides: ["seed=9007199254740992"])
        == .override(text: "seed=9007199254740992", reason: "seed: 9007199254740992 is out of range; allowed: 0...9007199254740991"))
    #expect(specError(minimalSpec, overrides: ["seed=-1"])?.description == "--set seed=-1: seed: -1 is out of range; allowed: 0...18446744073709551615")
    let crop = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic", "imageSize": 64, "cropSize": 70}, "models": [{"name": "a", "kind": "cnn"}]}"#
    #expect(specError(crop) == .outOfRange(path: "dataset.cropSize", value: "70", allowed: "32...64"))
    // The networks halve the crop four times: a crop the models refuse is refused with the spec.
    let small = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic", "imageSize": 48, "cropSize": 28}, "models": [{"name": "a", "kind": "cnn"}]}"#
    #expect(specError(small) == .outOfRange(path: "dataset.cropSize", value: "28", allowed: "32...48"))
}

@Test func invalidChoicesListAllowedValues() {
    let kind = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "models": [{"name": "a", "kind": "resnet"}]}"#
    #expect(specError(kind) == .invalidValue(path: "models[0].kind", value: "\"resnet\"", allowed: "\"cnn\", \"hagan\""))
    let variant = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic", "augmentation": ["center", "middle:flip"]}, "models": [{"name": "a", "kind": "cnn"}]}"#
    #expect(specError(variant)?.path == "dataset.augmentation[1]")
    let number = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic", "augmentation": 110}, "models": [{"name": "a", "kind": "cnn"}]}"#
    #expect(specError(number) == .wrongType(path: "dataset.augmentation", expected: "\"paper110\", \"none\" or an array of variant strings", found: "integer 110"))
    // A custom list must be a product of crops x rotations x flips: found when the spec is read.
    let partial = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic", "augmentation": ["center", "topLeft:flip"]}, "models": [{"name": "a", "kind": "cnn"}]}"#
    let error = specError(partial)
    #expect(error?.path == "dataset.augmentation")
    #expect(error?.description.contains("every combination") == true)
    let choice = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "models": [{"name": "a", "kind": "hagan", "testNoise": "fixedDraw"}]}"#
    #expect(specError(choice) == .invalidValue(path: "models[0].testNoise", value: "\"fixedDraw\"", allowed: "\"zero\", \"fixed\", \"average\""))
    let version = #"{"specVersion": 3, "name": "t", "dataset": {"kind": "synthetic"}, "models": [{"name": "a", "kind": "cnn"}]}"#
    #expect(specError(version)?.path == "specVersion")
}

@Test func crossFieldRules() {
    let noCharacter = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "models": [{"name": "g", "kind": "hagan"}]}"#
    #expect(specError(noCharacter) == .missingKey(path: "character (needed by models[0], kind \"hagan\")"))
    let duplicate = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "models": [{"name": "a", "kind": "cnn"}, {"name": "a", "kind": "cnn"}]}"#
    #expect(specError(duplicate)?.path == "models[1].name")
    let table = #"{"specVersion": 1, "name": "t", "table": "ckplus", "dataset": {"kind": "synthetic"}, "models": [{"name": "a", "kind": "cnn"}]}"#
    #expect(specError(table)?.path == "table")
    let draws = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "character": {"kind": "synthetic"}, "models": [{"name": "g", "kind": "hagan", "testNoise": "zero", "testNoiseDraws": 4}]}"#
    #expect(specError(draws)?.path == "models[0].testNoiseDraws")
    let root = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "ckplus"}, "models": [{"name": "a", "kind": "cnn"}]}"#
    #expect(specError(root) == .missingKey(path: "dataset.root"))
    // Synthetic faces have no root: setting one is refused, not a new experiment.
    let synthetic = #"{"specVersion": 1, "name": "t", "dataset": {"kind": "synthetic"}, "models": [{"name": "a", "kind": "cnn"}]}"#
    #expect(specError(synthetic, overrides: ["dataset.root=/data"])?.description.contains("dataset.root: unknown key") == true)
}

@Test func syntaxErrorGivesLineAndColumn() {
    let text = "{\n  \"specVersion\": 1,\n  \"name\": \"x\",,\n}"
    let error = specError(text)
    #expect(error == .syntax(line: 3, column: 15, message: "expected a key in double quotes, found ','"))
    #expect(error?.description == "JSON syntax error at line 3, column 15: expected a key in double quotes, found ','")
    // Columns count characters, not bytes: "é" is two bytes.
    #expect(specError("{\"é\": tru}") == .syntax(line: 1, column: 7, message: "invalid literal (expected 'true')"))
    #expect(specError("{\"a\": 1} x") == .syntax(line: 1, column: 10, message: "unexpected text after the JSON value"))
    #expect(specError("{\"a\": 1, \"a\": 2}") == .syntax(line: 1, column: 10, message: "duplicate key \"a\""))
    #expect(specError("\n\n  [1, 2") == .syntax(line: 3, column: 8, message: "expected ',' or ']' in array, found end of input"))
    #expect(specError("{\"a\": 01}") == .syntax(line: 1, column: 7, message: "numbers cannot have leading zeros"))
}

@Test func fileErrorsCarryTheFileName() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.path + "/bad.json"
    try "{\n  \"x\": }".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(throws: SpecError.file(path: path, reason: "JSON syntax error at line 2, column 8: expected a value, found '}'")) {
        try SpecLoader.load(path: path)
    }
    #expect(throws: SpecError.self) { try SpecLoader.load(path: path + ".missing") }
    let error = #expect(throws: SpecError.self) { try SpecLoader.load(path: folder.path) }
    #expect(error?.description.contains("is a folder, expected a spec file") == true)
}
