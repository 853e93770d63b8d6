import Foundation
import RunLog
import Runner
import Testing

@Test func workerMessagesRoundTripIncludingNonFiniteMetrics() {
    let messages: [WorkerMessage] = [
        .started(resumedFromEpoch: 3, epochs: 10),
        .epoch(epoch: 4, metrics: ["loss.d": 0.5, "loss.g": .nan, "acc": .infinity, "x": -.infinity]),
        .artifact(kind: .checkpoint, path: "/tmp/a b.ckpt", epoch: 4),
        .predictions([Prediction(sampleIndex: 0, sampleID: "S010/004/17", subject: "S010", trueLabel: 2, predictedLabel: 1, probabilities: [0.25, 0.75])]),
        .completed, .diverged(epoch: 2, step: 17, detail: "loss.d is nan"), .interrupted(epoch: 5), .failed(message: "line\nbreak"),
    ]
    for m in messages {
        let line = m.line()
        #expect(line.hasSuffix("\n") && line.dropLast().firstIndex(of: "\n") == nil)
        let back = WorkerMessage.parse(line.dropLast())
        if case .epoch(let e, let metrics)? = back {
            #expect(e == 4 && metrics["loss.d"] == 0.5 && metrics["loss.g"]!.isNaN && metrics["acc"] == .infinity && metrics["x"] == -.infinity)
        } else {
            #expect(back == m)
        }
    }
    #expect(WorkerMessage.parse("{\"type\":\"epo") == nil)
    #expect(WorkerMessage.parse("warning: something") == nil)
}

/// What a line means to JSONDecoder, the reference for the epoch line's fast path.
private func decodedByJSONDecoder(_ line: String) -> WorkerMessage? {
    let d = JSONDecoder()
    d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try? d.decode(WorkerMessage.self, from: Data(line.utf8))
}

/// Metrics equal bit for bit (NaN included).
private func sameBits(_ a: WorkerMessage?, _ b: WorkerMessage?) -> Bool {
    guard case .epoch(let e1, let m1)? = a, case .epoch(let e2, let m2)? = b else { return a == b }
    return e1 == e2 && m1.count == m2.count && m1.allSatisfy { k, v in m2[k].map { $0.bitPattern == v.bitPattern } ?? false }
}

@Test func epochLinesParseToTheBitsJSONDecoderGives() {
    var rng = SystemRandomNumberGenerator()
    let keys = ["loss.d", "loss.g", "loss.g.l1", "accuracy.test", "accuracy.validation", "accuracy.train", "bench.sent", "ünï", "a b"]
    for trial in 0..<2000 {
        var metrics: [String: Double] = [:]
        for key in keys.shuffled(using: &rng).prefix(Int.random(in: 0...keys.count, using: &rng)) {
            let value: Double
            switch trial % 8 {
            case 0: value = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng))  // any bits: subnormals, NaNs, huge
            case 1: value = [Double.nan, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude].randomElement(using: &rng)!
            case 2: value = Double(Int.random(in: -1_000_000...1_000_000, using: &rng))
            default: value = Double.random(in: -10...10, using: &rng) * pow(10, Double(Int.random(in: -12...12, using: &rng)))
            }
            metrics[key] = value.isNaN ? .nan : value
        }
        let message = WorkerMessage.epoch(epoch: Int.random(in: 0...100_000, using: &rng), metrics: metrics)
        let line = String(message.line().dropLast())
        let parsed = WorkerMessage.parse(Substring(line))
        #expect(parsed != nil, "\(line)")
        #expect(sameBits(parsed, decodedByJSONDecoder(line)), "\(line)")
        #expect(sameBits(parsed, message), "\(line)")
    }
    // Other shapes are JSONDecoder's to read: spaces, another key order, an escaped key; torn or
    // wrong lines are nothing.
    for line in [#"{ "epoch": 3, "metrics": {"a": 1.5}, "type": "epoch" }"#, #"{"type":"epoch","epoch":3,"metrics":{"a":1.5}}"#,
                 #"{"epoch":3,"metrics":{"a\"b":1.5},"type":"epoch"}"#, #"{"epoch":3,"metrics":{},"type":"epoch"}"#] {
        let parsed = WorkerMessage.parse(Substring(line))
        #expect(parsed != nil && sameBits(parsed, decodedByJSONDecoder(line)), "\(line)")
    }
    for line in [#"{"epoch":3,"metrics":{"a":1.5},"type":"epo"#, #"{"epoch":3,"metrics":{"a":1.5}"#, #"{"epoch":3,"metrics":{"a":1.5.2},"type":"epoch"}"#,
                 #"{"epoch":3,"metrics":{"a":"x"},"type":"epoch"}"#] {
        #expect(WorkerMessage.parse(Substring(line)) == nil, "\(line)")
        #expect(decodedByJSONDecoder(line) == nil, "\(line)")
    }
}

@Test func resultsLockAllowsOneHolder() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("exp-lock-\(UUID().uuidString)").path
    var first: ResultsLock? = try ResultsLock(folder: dir)
    #expect(throws: ResultsFolderBusy.self) { _ = try ResultsLock(folder: dir) }
    _ = first
    first = nil
    _ = try ResultsLock(folder: dir)
}

@Test func workerPoolReportsMessagesThenExit() throws {
    let pool = WorkerPool(executable: URL(fileURLWithPath: "/bin/sh"))
    let script = "printf '%s' '\(WorkerMessage.started(resumedFromEpoch: 0, epochs: 1).line())'; echo oops >&2; printf '{\"type\":\"compl'; exit 3"
    try pool.launch(job: "j1", arguments: ["-c", script])
    var events: [WorkerEvent] = []
    while let e = pool.nextEvent(timeout: 10) {
        events.append(e)
        if case .exited = e { break }
    }
    #expect(events.count == 2)
    if case .message("j1", .started(0, 1)) = events.first {} else { Issue.record("first event \(String(describing: events.first))") }
    if case .exited("j1", let status, let tail, let verdict) = events.last {
        #expect(status == 3 && tail == "oops" && verdict == nil)
    } else {
        Issue.record("no exit event")
    }
    #expect(pool.runningCount == 0)
}
