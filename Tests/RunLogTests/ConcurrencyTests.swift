// Writers and readers at once: two threads writing through one store, a second writing store
// (as a second process would), and readers on their own read-only pool; none may see
// "database is locked".

import Foundation
import GRDB
import RunLog
import TestSupport
import Testing

@Test func concurrentWritersAndReadersNeverSeeLocked() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.path + "/runs.sqlite"
    let writer = try RunStore(path: path)
    let (experimentID, jobs) = try registerMinimal(writer)
    let otherWriter = try RunStore(path: path)
    let reader = try RunStore(path: path, readOnly: true)
    let errors = ErrorBox()
    let group = DispatchGroup()
    let epochs = 150
    for (index, store) in [writer, writer, otherWriter].enumerated() {
        group.enter()
        Thread {
            defer { group.leave() }
            do {
                for epoch in 1...epochs {
                    try store.recordEpoch(jobID: jobs[index].id, epoch: epoch, metrics: ["loss": 1 / Double(epoch), "accuracy": 0.5])
                }
            } catch { errors.append("writer \(index): \(error)") }
        }.start()
    }
    var reads = 0
    let deadline = Date().addingTimeInterval(60)
    while group.wait(timeout: .now()) == .timedOut && Date() < deadline {
        do {
            _ = try reader.statusSummary(experimentID: experimentID)
            _ = try reader.query("SELECT COUNT(*) AS n FROM metrics")
            reads += 1
        } catch { errors.append("reader: \(error)") }
    }
    group.wait()
    #expect(errors.messages.isEmpty, "\(errors.messages.prefix(3))")
    #expect(reads > 0)
    let counts = try reader.query("SELECT job_id, COUNT(*) AS n FROM metrics GROUP BY job_id ORDER BY job_id")
    #expect(counts.count == 3)
    #expect(counts.allSatisfy { $0["n"] == (2 * epochs).databaseValue })
    #expect(try reader.jobs(experimentID: experimentID).prefix(3).allSatisfy { $0.epochsDone == epochs })
}

/// Another connection holds the write lock for longer than SQLite's busy timeout: the write waits
/// (it neither fails nor is lost), says so once, and goes through when the lock is released.
@Test func aWriteWaitsForALockHeldPastTheBusyTimeout() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.path + "/runs.sqlite"
    let events = EventBox()
    let writer = try RunStore(path: path, onBusy: { events.append($0) })
    let (_, jobs) = try registerMinimal(writer)
    var configuration = Configuration()
    configuration.allowsUnsafeTransactions = true  // the lock outlives one access
    let holder = try DatabaseQueue(path: path, configuration: configuration)
    try holder.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE") }
    let done = DispatchSemaphore(value: 0)
    let errors = ErrorBox()
    Thread {
        do { try writer.recordEpoch(jobID: jobs[0].id, epoch: 1, metrics: ["loss": 0.5]) } catch { errors.append("\(error)") }
        done.signal()
    }.start()
    // Past the busy timeout, the write is still waiting and has said so once.
    #expect(done.wait(timeout: .now() + RunStore.writerBusyTimeout + 2) == .timedOut)
    // This process holds the lock itself, so no other process is named.
    #expect(events.all == [.waiting(path: path, holder: nil)])
    try holder.inDatabase { try $0.execute(sql: "COMMIT") }
    #expect(done.wait(timeout: .now() + 20) == .success)
    #expect(errors.messages.isEmpty, "\(errors.messages)")
    guard events.all.count == 2, case .resumed(_, let seconds) = events.all[1] else {
        Issue.record("expected a resumed event, got \(events.all)")
        return
    }
    #expect(seconds >= RunStore.writerBusyTimeout)
    #expect(try writer.query("SELECT COUNT(*) AS n FROM metrics").first?["n"] == 1.databaseValue)
}

final class EventBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [BusyEvent] = []
    func append(_ e: BusyEvent) { lock.lock(); stored.append(e); lock.unlock() }
    var all: [BusyEvent] { lock.lock(); defer { lock.unlock() }; return stored }
}

/// Collects error messages from several threads.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ message: String) { lock.lock(); stored.append(message); lock.unlock() }
    var messages: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}

/// A reader in another process (the `sqlite3` shell, as a user would run it) while two threads
/// write: every query succeeds. Skipped when `sqlite3` is not installed.
@Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3")))
func readerProcessWhileWriting() throws {
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let path = folder.path + "/runs.sqlite"
    let writer = try RunStore(path: path)
    let (_, jobs) = try registerMinimal(writer)
    let errors = ErrorBox()
    let group = DispatchGroup()
    for index in 0..<2 {
        group.enter()
        Thread {
            defer { group.leave() }
            do {
                for epoch in 1...300 {
                    try writer.recordEpoch(jobID: jobs[index].id, epoch: epoch, metrics: ["loss": Double(epoch)])
                }
            } catch { errors.append("writer \(index): \(error)") }
        }.start()
    }
    var queries = 0
    while group.wait(timeout: .now()) == .timedOut && queries < 200 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-readonly", "-cmd", ".timeout 30000", path, "SELECT COUNT(*) FROM metrics; SELECT * FROM model_accuracy;"]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus != 0 || !message.isEmpty { errors.append("sqlite3: \(process.terminationStatus) \(message)") }
        queries += 1
    }
    group.wait()
    #expect(errors.messages.isEmpty, "\(errors.messages.prefix(3))")
    #expect(queries > 0)
    #expect(try writer.query("SELECT COUNT(*) AS n FROM metrics").first?["n"] == 600.databaseValue)
}
