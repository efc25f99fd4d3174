import Foundation

/// A queue between one producer and one consumer thread that holds at most `limit` (by the
/// weight each item is given) so that a fast producer waits instead of filling memory: a
/// download's bytes waiting to be hashed, a ledger's events waiting to be folded. It lives in
/// the core because both effect modules use it; it does no I/O.
public final class BoundedQueue<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [(item: Item, weight: Int)] = []
    private var head = 0
    private var waiting = 0
    private var closed = false
    private var cancelled = false
    private let limit: Int
    /// The threads waiting in `put` (for room) and in `take` (for an item): only a change one of
    /// them waits for wakes them.
    private var producersWaiting = 0
    private var consumersWaiting = 0

    public init(limit: Int) {
        self.limit = limit
    }

    /// Adds `item`, waiting while `limit` is reached (an item heavier than the limit still goes
    /// in alone). False, at once, when the consumer cancelled.
    @discardableResult
    public func put(_ item: Item, weight: Int = 1) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while waiting > 0, waiting + weight > limit, !cancelled {
            producersWaiting += 1
            condition.wait()
            producersWaiting -= 1
        }
        guard !cancelled else { return false }
        items.append((item, weight))
        waiting += weight
        if consumersWaiting > 0 { condition.broadcast() }
        return true
    }

    /// The next item, waiting for one; nil once the queue is closed and empty, or cancelled.
    public func take() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count, !closed, !cancelled {
            consumersWaiting += 1
            condition.wait()
            consumersWaiting -= 1
        }
        guard !cancelled, head < items.count else { return nil }
        let (item, weight) = items[head]
        head += 1
        waiting -= weight
        // What was taken is dropped now and then, not at every item (removeFirst is O(n)).
        if head >= 1024 {
            items.removeFirst(head)
            head = 0
        }
        // A producer waiting for room is woken once half the limit is free, not at every item:
        // woken at each, a producer faster than its consumer (a replay's reader) went to sleep
        // and woke again once per item, two thread switches each.
        if producersWaiting > 0, waiting <= limit / 2 { condition.broadcast() }
        return item
    }

    /// No more items: `take` returns nil once the queue is empty.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The consumer gives up: `put` returns false and `take` nil from now on.
    public func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
