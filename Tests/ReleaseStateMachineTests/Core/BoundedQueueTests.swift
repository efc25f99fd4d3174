import Foundation
import Testing

@testable import ReleaseStateMachine

/// The queue between a replay's reader and its workers, and between a download and its hashing:
/// every item arrives once, in order, whatever the weights and whichever side is faster; a
/// producer waiting for room is woken (the queue wakes it only once half the limit is free, so
/// a lost wake-up would leave both sides waiting: each transfer runs on threads of its own, and
/// one not done within a minute fails instead of hanging the suite).
@Suite struct BoundedQueueTests {
    /// Items and weights, some heavier than the limit, which go in alone.
    static let weights = (0..<20_000).map { index in index % 997 == 0 ? 40 : 1 + index % 5 }

    /// A producer and a consumer, each on a thread of its own: what the consumer took, in
    /// order, and how many puts were refused; nil if they did not finish within a minute.
    static func transfer(limit: Int, slowSide: String?) -> (taken: [Int], putsRefused: Int)? {
        final class Result: @unchecked Sendable { var value: (taken: [Int], putsRefused: Int)? }
        let result = Result()
        let done = DispatchSemaphore(value: 0)
        Thread {
            result.value = consume(limit: limit, slowSide: slowSide)
            done.signal()
        }.start()
        guard done.wait(timeout: .now() + 60) == .success else { return nil }
        return result.value
    }

    private static func consume(limit: Int, slowSide: String?) -> (taken: [Int], putsRefused: Int) {
        let queue = BoundedQueue<Int>(limit: limit)
        // Read once the producer signalled it ended (the semaphore orders the two).
        final class Count: @unchecked Sendable { var value = 0 }
        let refused = Count()
        let produced = DispatchSemaphore(value: 0)
        Thread {
            for (index, weight) in weights.enumerated() {
                if slowSide == "producer", index % 64 == 0 { usleep(200) }
                if !queue.put(index, weight: weight) { refused.value += 1 }
            }
            queue.close()
            produced.signal()
        }.start()
        var taken: [Int] = []
        while let item = queue.take() {
            if slowSide == "consumer", item % 64 == 0 { usleep(200) }
            taken.append(item)
        }
        produced.wait()
        return (taken, refused.value)
    }

    @Test(arguments: [nil, "producer", "consumer"], [1, 2, 7, 64])
    func everyItemArrivesOnceInOrder(slowSide: String?, limit: Int) {
        guard let (taken, refused) = Self.transfer(limit: limit, slowSide: slowSide) else {
            Issue.record("the producer and the consumer still wait after a minute")
            return
        }
        #expect(refused == 0)
        #expect(taken == Array(Self.weights.indices))
    }

    @Test func aCancelledQueueRefusesItsProducerAndEndsItsConsumer() {
        let queue = BoundedQueue<Int>(limit: 2)
        #expect(queue.put(1))
        #expect(queue.put(2))
        let refused = DispatchSemaphore(value: 0)
        Thread {
            // Waits for room, which never comes: the cancellation answers it.
            if !queue.put(3) { refused.signal() }
        }.start()
        queue.cancel()
        #expect(refused.wait(timeout: .now() + 60) == .success)
        #expect(queue.take() == nil)
        #expect(!queue.put(4))
    }
}
