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
