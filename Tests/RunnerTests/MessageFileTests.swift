// The file transport of the worker protocol: lines appended by `MessageFileWriter` are read once
// each by `MessageTail` (a torn last line waits for its end; a line torn by a killed attempt is
// closed by the next writer and skipped), and a worker that cannot reach its messages file says
// which folder is missing.

import Foundation
import Runner
import Testing

@Test func messageTailReadsEachAppendedLineOnce() throws {
    let folder = temporaryFolder("messages")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = (folder as NSString).appendingPathComponent("job-1.jsonl")
    let tail = MessageTail(path: path)
    #expect(tail.read().isEmpty && !tail.exists)
    let writer = try MessageFileWriter(path: path)
    try writer.send(.started(resumedFromEpoch: 0, epochs: 3))
    try writer.send(.epoch(epoch: 1, metrics: ["loss": 1.5, "accuracy.test": .nan]))
    let first = tail.read()
    #expect(first.count == 2)
    if case .epoch(1, let m) = first.last { #expect(m["loss"] == 1.5 && m["accuracy.test"]!.isNaN) } else { Issue.record("\(first)") }
    #expect(tail.read().isEmpty)
    #expect(tail.offset == Int64(try Data(contentsOf: URL(fileURLWithPath: path)).count))

    // Half a line waits for its end; nothing is read twice.
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    handle.seekToEndOfFile()
    let line = WorkerMessage.epoch(epoch: 2, metrics: ["loss": 1]).line()
    handle.write(Data(line.utf8.prefix(10)))
    #expect(tail.read().isEmpty)
    handle.write(Data(line.utf8.dropFirst(10)))
    #expect(tail.read() == [.epoch(epoch: 2, metrics: ["loss": 1])])

    // An attempt killed mid-line (Slurm requeued the task): the next writer ends the torn line
    // first, so its own first line is read whole and the torn one is skipped.
    handle.write(Data("{\"type\":\"epo".utf8))
    try handle.close()
    let requeued = try MessageFileWriter(path: path)
    try requeued.send(.started(resumedFromEpoch: 2, epochs: 3))
    #expect(tail.read() == [.started(resumedFromEpoch: 2, epochs: 3)])

    // A file replaced by a shorter one is read from its start.
    try Data(WorkerMessage.completed.line().utf8).write(to: URL(fileURLWithPath: path))
    #expect(tail.read() == [.completed])
}

/// A file read on the beat of its epochs is left alone for half an epoch (`readIfDue`); a line
/// written sooner waits at most that long, reads that find no or several epoch lines set no
/// pause, and `read()` (a task's end) ignores the pause.
@Test func aFileReadOnTheBeatOfItsEpochsIsLeftAloneForHalfAnEpoch() throws {
    let folder = temporaryFolder("paced")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = (folder as NSString).appendingPathComponent("job-1.jsonl")
    let tail = MessageTail(path: path)
    let writer = try MessageFileWriter(path: path)
    func epoch(_ n: Int) throws { try writer.send(.epoch(epoch: n, metrics: ["loss": Double(n)])) }

    try writer.send(.started(resumedFromEpoch: 0, epochs: 9))
    #expect(tail.readIfDue(now: 0) == [.started(resumedFromEpoch: 0, epochs: 9)] && tail.quietUntil == -.infinity)
    try epoch(1)
    #expect(tail.readIfDue(now: 10).count == 1 && tail.quietUntil == -.infinity)  // no earlier epoch read: no pause
    try epoch(2)
    #expect(tail.readIfDue(now: 20).count == 1 && tail.quietUntil == 25)          // 10 s after the last: 5 s
    try epoch(3)                                                                  // written early
    #expect(tail.readIfDue(now: 24).isEmpty)
    #expect(tail.readIfDue(now: 25) == [.epoch(epoch: 3, metrics: ["loss": 3])] && tail.quietUntil == 27.5)
    #expect(tail.readIfDue(now: 28).isEmpty && tail.quietUntil == -.infinity)     // nothing new: no pause
    // Two epoch lines in one read (the reads were late): no pause, and the next one measures none.
    try epoch(4)
    try epoch(5)
    #expect(tail.readIfDue(now: 40).count == 2 && tail.quietUntil == -.infinity)
    try epoch(6)
    #expect(tail.readIfDue(now: 50).count == 1 && tail.quietUntil == -.infinity)
    try epoch(7)
    #expect(tail.readIfDue(now: 60).count == 1 && tail.quietUntil == 65)
    // The end of the task is read whatever the pause.
    try writer.send(.completed)
    #expect(tail.readIfDue(now: 61).isEmpty)
    #expect(tail.read() == [.completed])
}

@Test func aWorkerThatCannotReachItsMessagesFileNamesTheMissingFolder() throws {
    let folder = temporaryFolder("unreachable")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let missing = (folder as NSString).appendingPathComponent("results")
    let path = (missing as NSString).appendingPathComponent("slurm/abc/job-3.jsonl")
    #expect(throws: MessageFileError.self) { try MessageFileWriter(path: path) }
    do {
        _ = try MessageFileWriter(path: path)
    } catch {
        let text = "\(error)"
        #expect(text.contains("the folder \(missing) does not exist on node") && text.contains(path) && text.contains("shared"))
    }
    // `exp worker --messages` exits with that message before doing anything else.
    let p = Process()
    p.executableURL = expExecutable
    p.arguments = ["worker", "--results", missing, "--experiment", "abc", "--job", "3", "--model", "M", "--run", "0", "--fold", "0",
                   "--seed", "1", "--messages", path]
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    #expect(p.terminationStatus == 66)
    #expect(text.contains("cannot open the messages file \(path)") && text.contains("the folder \(missing) does not exist"))
}
