import Foundation
import Hashing
import ReleaseStateMachine

/// MD5 and SHA-256 of a stream of bytes, each computed on a thread of its own while the bytes
/// keep coming (a download): the receiver hands each piece over and goes on, instead of hashing
/// before it reads the next one or reading the whole file again afterwards. MD5 (sequential,
/// the slower) and SHA-256 run side by side. At most `limit` bytes wait for each: a receiver
/// faster than the hashing waits for it rather than filling memory.
final class DigestPipe: @unchecked Sendable {
    private let md5: HashWorker<MD5>
    private let sha256: HashWorker<SHA256>

    init(limit: Int = 64 << 20) {
        md5 = HashWorker(limit: limit)
        sha256 = HashWorker(limit: limit)
    }

    /// Hands `bytes` over (copied once, shared by both workers).
    func feed(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        let piece = Data(bytes)
        md5.feed(piece)
        sha256.feed(piece)
    }

    /// The stream starts again from its first byte (a server that sent the whole file).
    func startOver() {
        md5.startOver()
        sha256.startOver()
    }

    /// The digests of everything fed since the last `startOver`.
    func finish() -> FileDigests {
        let (md5Digest, size) = md5.finish()
        let (sha256Digest, _) = sha256.finish()
        return FileDigests(size: size, md5: md5Digest, sha256: sha256Digest)
    }
}

/// One hash function fed from a queue on its own thread.
private final class HashWorker<Function: HashFunction>: @unchecked Sendable {
    private enum Item {
        case bytes(Data)
        case startOver
    }

    private let queue: BoundedQueue<Item>
    private var result: (String, Int64)?
    private let done = DispatchSemaphore(value: 0)

    init(limit: Int) {
        queue = BoundedQueue(limit: limit)
        Thread { [self] in hashUntilTheEnd() }.start()
    }

    func feed(_ piece: Data) { queue.put(.bytes(piece), weight: piece.count) }

    func startOver() { queue.put(.startOver, weight: 0) }

    func finish() -> (String, Int64) {
        queue.close()
        done.wait()
        return result!
    }

    private func hashUntilTheEnd() {
        var function = Function()
        var size: Int64 = 0
        while let item = queue.take() {
            switch item {
            case .bytes(let piece):
                piece.withUnsafeBytes { function.update(bufferPointer: $0) }
                size += Int64(piece.count)
            case .startOver:
                function = Function()
                size = 0
            }
        }
        result = (Hex.encode(function.finalize()), size)
        done.signal()
    }
}
