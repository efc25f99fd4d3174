import Foundation
import Hashing
import ReleaseStateMachine

/// SHA-256 of the blocks a reader hands over, on a thread of its own, so that a file is read once
/// and hashed by MD5 (on the reader's thread) and SHA-256 at the same time, on two cores: MD5 is
/// the slower, and alone it set the time of a file's digests (`FileDigests.compute`).
///
/// The blocks are a small pool of buffers that go round: the reader fills one (`nextBuffer`),
/// hashes it with MD5, hands it over (`hand`), and takes the next free one; SHA-256 gives each
/// back once hashed. A reader faster than SHA-256 waits for a free buffer rather than filling
/// memory.
final class SHA256Beside: @unchecked Sendable {
    static let bufferSize = 1 << 20
    private let buffers: [UnsafeMutableRawBufferPointer]
    private let free: BoundedQueue<Int>
    private let filled: BoundedQueue<(index: Int, count: Int)>
    private var hasher = SHA256()
    private let done = DispatchSemaphore(value: 0)

    init(bufferCount: Int = 4) {
        buffers = (0..<bufferCount).map { _ in
            UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 64)
        }
        free = BoundedQueue(limit: bufferCount)
        filled = BoundedQueue(limit: bufferCount)
        for index in buffers.indices { _ = free.put(index) }
        Thread { [self] in hashUntilTheEnd() }.start()
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }

    /// A free buffer to read into, waited for; with its index, for `hand`.
    func nextBuffer() -> (index: Int, buffer: UnsafeMutableRawBufferPointer) {
        let index = free.take()!
        return (index, buffers[index])
    }

    /// Hands the first `count` bytes of buffer `index` over to be hashed.
    func hand(_ index: Int, count: Int) {
        _ = filled.put((index, count))
    }

    /// Gives back a buffer taken and not handed over (the read failed, or met the end).
    func giveBack(_ index: Int) {
        _ = free.put(index)
    }

    /// The digest of every block handed over, once SHA-256 has them all. Called once.
    func finish() -> [UInt8] {
        filled.close()
        done.wait()
        return hasher.finalize()
    }

    private func hashUntilTheEnd() {
        while let (index, count) = filled.take() {
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffers[index][0..<count]))
            _ = free.put(index)
        }
        done.signal()
    }
}
