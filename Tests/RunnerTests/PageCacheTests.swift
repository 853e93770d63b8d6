// PageCache: a page is rendered again only when the run log's stamp changes or the kept one is
// older than its age limit; errors are not kept; concurrent requests of a changed page render
// it once.

import Dispatch
import Foundation
import RunLog
import Serve
import Testing

private struct Broken: Error {}

@Test func aPageIsRenderedOncePerStateOfTheRunLog() throws {
    let cache = PageCache<String>(maxAge: 60)
    let a = RunLogChanges.Stamp(inode: 1, dataVersion: 1)
    let b = RunLogChanges.Stamp(inode: 1, dataVersion: 2)
    var renders = 0
    func render() -> String { renders += 1; return "page \(renders)" }
    #expect(cache.value("x", at: a, render) == "page 1")
    #expect(cache.value("x", at: a, render) == "page 1")
    #expect(cache.value("y", at: a, render) == "page 2")
    #expect(cache.value("x", at: b, render) == "page 3")
    // Without a stamp (no run log) nothing is kept.
    #expect(cache.value("x", at: nil, render) == "page 4")
    #expect(cache.value("x", at: nil, render) == "page 5")
    // An error reaches the caller and is not kept.
    #expect(throws: Broken.self) { try cache.value("z", at: a) { throw Broken() } }
    #expect(cache.value("z", at: a, render) == "page 6")
    #expect(renders == 6)
}

@Test func aKeptPageExpires() throws {
    let cache = PageCache<Int>(maxAge: 0.05)
    let a = RunLogChanges.Stamp(inode: 1, dataVersion: 1)
    var renders = 0
    func render() -> Int { renders += 1; return renders }
    #expect(cache.value("x", at: a, render) == 1)
    Thread.sleep(forTimeInterval: 0.1)
    #expect(cache.value("x", at: a, render) == 2)
}

@Test func manyRequestsOfAChangedPageRenderItOnce() throws {
    let cache = PageCache<Int>(maxAge: 60)
    let a = RunLogChanges.Stamp(inode: 1, dataVersion: 7)
    final class Count: @unchecked Sendable { let lock = NSLock(); var n = 0 }
    let count = Count()
    DispatchQueue.concurrentPerform(iterations: 16) { _ in
        _ = cache.value("x", at: a) {
            count.lock.lock(); count.n += 1; count.lock.unlock()
            Thread.sleep(forTimeInterval: 0.05)
            return 1
        }
    }
    #expect(count.n == 1)
}
