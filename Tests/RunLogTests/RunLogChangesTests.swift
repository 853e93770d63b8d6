// RunLogChanges: the stamp `exp serve` keys its pages on changes with every commit of another
// connection, stays while nothing is written, tells a replaced log, and is nil without a log.

import Foundation
import GRDB
import RunLog
import TestSupport
import Testing

@Test func theStampChangesWithEachCommitAndOnlyThen() throws {
    let folder = try TemporaryFolder()
    let path = folder.path + "/runs.sqlite"
    let changes = RunLogChanges(path: path)
    #expect(changes.stamp() == nil)

    let writer = try DatabaseQueue(path: path)
    try writer.write { try $0.execute(sql: "PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER)") }
    let first = try #require(changes.stamp())
    #expect(changes.stamp() == first)
    try writer.write { try $0.execute(sql: "INSERT INTO t VALUES (1)") }
    let second = try #require(changes.stamp())
    #expect(second != first)
    #expect(changes.stamp() == second)
    try writer.read { _ = try Int.fetchOne($0, sql: "SELECT count(*) FROM t") }
    #expect(changes.stamp() == second)
    try writer.close()

    // Another log in the same place (a new file, a new inode) is another state.
    try FileManager.default.removeItem(atPath: path)
    for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    let other = try DatabaseQueue(path: path)
    try other.write { try $0.execute(sql: "CREATE TABLE t (x INTEGER)") }
    let third = try #require(changes.stamp())
    #expect(third != second)
    try other.close()
}
