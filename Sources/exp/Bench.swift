// `exp bench`: performance measurements (run on a release build; the measuring is in the Benchmarks
// target), and the list parsing and number formatting its subcommands share.

import ArgumentParser
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed and memory (use a release build: make bench).",
        subcommands: [BenchEngine.self, BenchTrain.self, BenchIngest.self, BenchPlan.self, BenchServe.self]
    )
}

func parseList<T>(_ text: String, _ option: String, _ parse: (String) -> T?) throws -> [T] {
    let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let values = items.compactMap(parse)
    guard !values.isEmpty, values.count == items.count else {
        throw ValidationError("\(option) '\(text)': expected a comma-separated list of valid values")
    }
    return values
}

func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
func f1(_ x: Double) -> String { String(format: "%.1f", x) }
