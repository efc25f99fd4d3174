import Foundation

/// A test hook that holds a transfer in the middle, so that a test can stop the server (or kill
/// casa-release) at a known point without guessing with timers:
/// `CASA_RELEASE_TRANSFER_PAUSE=<bytes>:<fifo>` makes the first transfer that passes `<bytes>`
/// create `<fifo>.paused`, then block on opening the FIFO `<fifo>` until the test writes to it.
/// Unset, it costs one dictionary lookup per transfer.
final class TransferFailpoint {
    private let threshold: Int64
    private let fifo: String

    /// Once per process: the retries of a transfer that paused must not pause again.
    nonisolated(unsafe) private static var fired = false

    init?(environment: [String: String]) {
        guard let setting = environment["CASA_RELEASE_TRANSFER_PAUSE"], !Self.fired else { return nil }
        let parts = setting.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let threshold = Int64(parts[0]) else { return nil }
        self.threshold = threshold
        self.fifo = parts[1]
    }

    /// Called with the bytes moved so far; blocks once when they pass the threshold.
    func check(_ moved: Int64) {
        guard !Self.fired, moved >= threshold else { return }
        Self.fired = true
        _ = FileManager.default.createFile(atPath: fifo + ".paused", contents: Data("\(getpid())\n".utf8))
        let descriptor = open(fifo, O_RDONLY)
        if descriptor >= 0 {
            var byte: UInt8 = 0
            _ = read(descriptor, &byte, 1)
            close(descriptor)
        }
    }
}
