// `exp run SPEC --sweep key=v1,v2,...`: the expansion into one spec per value (a Cartesian product
// for several options), each named for its values with a hash of its own, a sweep identity that the
// same command reproduces, and every bad option reported with the key and the spec file.

import Spec
import TestSupport
import Testing

private let sweepSpec = #"""
    {"specVersion": 1, "name": "demo", "seed": 1, "dataset": {"kind": "synthetic"},
     "protocol": {"folds": 2, "runs": 1},
     "models": [{"name": "CNN", "kind": "cnn", "epochs": 2}, {"name": "HA-GAN", "kind": "hagan", "epochs": 2, "l1Weight": 10}],
     "character": {"kind": "synthetic"}}
    """#

private func sweepError(_ file: String, _ sweeps: [String], overrides: [String] = []) -> String? {
    do {
        _ = try SpecSweep.expand(path: file, overrides: overrides, sweeps: sweeps)
        return nil
    } catch {
        return String(describing: error)
    }
}

@Test func sweepExpandsOneExperimentPerValue() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let file = try folder.write("demo.json", text: sweepSpec)
    let sweep = try SpecSweep.expand(path: file, sweeps: ["models[1].l1Weight=1,10,100"])
    #expect(sweep.points.map(\.loaded.spec.name) == ["demo[models[1].l1Weight=1]", "demo[models[1].l1Weight=10]", "demo[models[1].l1Weight=100]"])
    #expect(sweep.points.map { $0.loaded.spec.models[1].hagan?.l1Weight } == [1, 10, 100])
    #expect(Set(sweep.points.map(\.loaded.hash)).count == 3)
    #expect(sweep.points.map(\.assignments) == [["models[1].l1Weight=1"], ["models[1].l1Weight=10"], ["models[1].l1Weight=100"]])
    // The experiment records the sweep's value among its overrides, after the --set ones.
    #expect(sweep.points[1].loaded.overrides == ["models[1].l1Weight=10"])
    // The same command gives the same sweep and hashes; other values, another sweep.
    let again = try SpecSweep.expand(path: file, sweeps: ["models[1].l1Weight=1,10,100"])
    #expect(again.hash == sweep.hash && again.points.map(\.loaded.hash) == sweep.points.map(\.loaded.hash))
    #expect(try SpecSweep.expand(path: file, sweeps: ["models[1].l1Weight=1,10"]).hash != sweep.hash)
    // A swept value's experiment is the spec with that value and the sweep's name, nothing else.
    let bySet = try SpecLoader.load(path: file, overrides: ["models[1].l1Weight=10", "name=demo[models[1].l1Weight=10]"])
    #expect(bySet.hash == sweep.points[1].loaded.hash)
}

@Test func severalSweepsGiveTheirCartesianProduct() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let file = try folder.write("demo.json", text: sweepSpec)
    let sweep = try SpecSweep.expand(path: file, overrides: ["protocol.runs=2"],
                                     sweeps: ["models[1].l1Weight=1,10", "models[0].adam.lr=0.001,0.0005,0.0001"])
    #expect(sweep.points.count == 6)
    #expect(sweep.points[0].loaded.spec.name == "demo[models[1].l1Weight=1,models[0].adam.lr=0.001]")
    #expect(sweep.points[5].loaded.spec.name == "demo[models[1].l1Weight=10,models[0].adam.lr=0.0001]")
    #expect(sweep.points.map { $0.loaded.spec.models[0].training.adam.lr } == [0.001, 0.0005, 0.0001, 0.001, 0.0005, 0.0001])
    #expect(sweep.points.allSatisfy { $0.loaded.spec.protocol.runs == 2 })
    #expect(sweep.points[4].loaded.overrides == ["protocol.runs=2", "models[1].l1Weight=10", "models[0].adam.lr=0.0005"])
    // Lists are values too: commas inside brackets do not split.
    let lists = try SpecSweep.expand(path: file, sweeps: [#"dataset.augmentation=["center"],["center","center:flip"]"#])
    #expect(lists.points.map { $0.loaded.spec.dataset.augmentation.variants.count } == [1, 2])
}

@Test func badSweepsNameTheKeyAndTheSpecFile() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let file = try folder.write("demo.json", text: sweepSpec)
    let unknown = sweepError(file, ["models[1].l1Wieght=1,10"])
    #expect(unknown?.contains("--sweep models[1].l1Wieght=1,10: key models[1].l1Wieght of \(file)") == true, "\(unknown ?? "")")
    #expect(unknown?.contains("unknown key") == true)
    let range = sweepError(file, ["models[2].l1Weight=1,10"])
    #expect(range?.contains("key models[2].l1Weight of \(file)") == true && range?.contains("2 entries") == true, "\(range ?? "")")
    let type = sweepError(file, ["models[1].l1Weight=1,ten"])
    #expect(type?.contains("key models[1].l1Weight of \(file)") == true && type?.contains("models[1].l1Weight=ten") == true
            && type?.contains("expected") == true, "\(type ?? "")")
    #expect(sweepError(file, ["models[1].l1Weight"])?.contains("expected key=value1,value2") == true)
    #expect(sweepError(file, ["models[1].l1Weight=1,,2"])?.contains("one or more values") == true)
    #expect(sweepError(file, ["models[1].l1Weight=1,1"])?.contains("the value 1 is given twice") == true)
    #expect(sweepError(file, ["name=a,b"])?.contains("cannot be swept") == true)
    #expect(sweepError(file, ["seed=1,2", "seed=3"])?.contains("swept by another --sweep option") == true)
    // 10 and 1e1 are one value: the same experiment twice.
    #expect(sweepError(file, ["models[1].l1Weight=10,1e1"])?.contains("the values 10 and 1e1 are the same value") == true)
}
