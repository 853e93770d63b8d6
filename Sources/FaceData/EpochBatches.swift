// One epoch of batches, optionally loaded one batch ahead on a background thread so decoding and
// augmentation overlap the trainer's step. The batches are the same with or without prefetching:
// the order is fixed by `BatchIterator.plan(epoch:)` before any loading starts.

import Foundation

public final class EpochBatches {
    private var iterator: BatchIterator
    private let plan: [[BatchItem]]
    private var position = 0
    private let prefetches: Bool
    private var pending: PendingBatch?

    /// The batches of `epoch`; `prefetch` loads the next batch on a second thread while the caller
    /// works on the current one.
    public init(_ iterator: BatchIterator, epoch: Int, prefetch: Bool) {
        self.iterator = iterator
        self.plan = iterator.plan(epoch: epoch)
        self.prefetches = prefetch
    }

    public var count: Int { plan.count }

    /// The iterator with the images cached during this epoch, to reuse for the next one.
    /// Waits for a batch still loading.
    public func finish() -> BatchIterator {
        if let pending {
            _ = pending.wait()
            iterator = pending.iterator
            self.pending = nil
        }
        return iterator
    }

    /// The next batch, or nil at the end of the epoch.
    public func next() throws -> Batch? {
        guard position < plan.count else { return nil }
        let batch: Batch
        if let pending {
            let result = pending.wait()
            iterator = pending.iterator
            self.pending = nil
            batch = try result.get()
        } else {
            batch = try iterator.load(plan[position])
        }
        position += 1
        if prefetches && position < plan.count {
            pending = PendingBatch(iterator: iterator, items: plan[position])
        }
        return batch
    }
}

/// A batch loading on its own thread; the iterator (and its cache) travels with it.
private final class PendingBatch: @unchecked Sendable {
    private(set) var iterator: BatchIterator
    private var result: Result<Batch, Error>?
    private let done = DispatchSemaphore(value: 0)

    init(iterator: BatchIterator, items: [BatchItem]) {
        self.iterator = iterator
        let thread = Thread { [self] in
            result = Result { try self.iterator.load(items) }
            done.signal()
        }
        thread.start()
    }

    /// Blocks until the batch is loaded; the semaphore orders the thread's writes before the reads.
    func wait() -> Result<Batch, Error> {
        done.wait()
        done.signal()
        return result!
    }
}
