// PageCache: what `exp serve` computed for a page, kept while the run log's stamp
// (`RunLogChanges`) stays the same and for at most `maxAge` seconds (an ETA moves with the
// clock). Many clients polling one experiment then cost one rendering per change of the log,
// not one per request; renderings of one page run one at a time, so a change that wakes every
// client is rendered once.

import Foundation
import RunLog

public final class PageCache<Value: Sendable>: @unchecked Sendable {
    private struct Entry {
        var stamp: RunLogChanges.Stamp
        var made: Date
        var value: Value
    }

    public let maxAge: TimeInterval
    private let lock = NSLock()
    private let rendering = NSLock()
    private var entries: [String: Entry] = [:]

    public init(maxAge: TimeInterval) {
        self.maxAge = maxAge
    }

    /// The value for `key` at `stamp`: the kept one when it was made at the same stamp less than
    /// `maxAge` ago, else `make()`'s (kept when the stamp is known). Errors are not kept.
    public func value(_ key: String, at stamp: RunLogChanges.Stamp?, _ make: () throws -> Value) rethrows -> Value {
        guard let stamp else { return try make() }
        if let kept = fresh(key, stamp) { return kept }
        rendering.lock()
        defer { rendering.unlock() }
        if let kept = fresh(key, stamp) { return kept }
        let value = try make()
        lock.lock()
        if entries.count > 200 { entries.removeAll() }
        entries[key] = Entry(stamp: stamp, made: Date(), value: value)
        lock.unlock()
        return value
    }

    private func fresh(_ key: String, _ stamp: RunLogChanges.Stamp) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[key], entry.stamp == stamp, Date().timeIntervalSince(entry.made) < maxAge else { return nil }
        return entry.value
    }
}
