import Foundation
import ReleaseStateMachine

/// The lock that serialises the publishers of one target while they update its TUF metadata:
/// a file created exclusively at the target (`.casa-release-mirror.lock`, the claim's own
/// exclusive create), naming the run that holds it and until when. A run that finds its own lock
/// (it was killed holding it) goes on; a lock past its time is taken over; otherwise the
/// publisher waits, then fails as temporary (the run resumes later). Every write checks that the
/// lock is still this run's.
struct MirrorLock {
    static let name = ".casa-release-mirror.lock"

    let target: PublicationTarget
    let owner: String
    /// How long a holder may keep the lock: an update takes seconds.
    var lease: TimeInterval = 300
    /// How long a publisher waits for another's lock.
    var patience: TimeInterval = 600

    func acquire() throws {
        let deadline = Date() + patience
        var delay: UInt32 = 20_000
        while true {
            let content = "run=\(owner) until=\(Int(Date().timeIntervalSince1970 + lease))\n"
            if try target.createExclusively(Self.name, data: Data(content.utf8)) { return }
            guard let existing = try target.read(Self.name) else { continue }
            let holder = Self.fields(existing)
            if holder["run"] == owner { return }
            if let until = holder["until"].flatMap(Double.init), until < Date().timeIntervalSince1970 {
                try target.remove(Self.name)
                continue
            }
            guard Date() < deadline else {
                throw ExecutorError(
                    .temporary,
                    "the TUF metadata on \(target.address) is being updated by run \(holder["run"] ?? "?") (its lock \(Self.name) holds until \(holder["until"] ?? "?")); resume later"
                )
            }
            usleep(delay + UInt32.random(in: 0..<delay))
            delay = min(delay * 2, 500_000)
        }
    }

    /// Fails when the lock is no longer this run's (taken over as expired): nothing is written then.
    func check() throws {
        guard let data = try target.read(Self.name), Self.fields(data)["run"] == owner else {
            throw ExecutorError(
                .temporary,
                "the lock on the TUF metadata of \(target.address) is no longer this run's: nothing more is written; resume"
            )
        }
    }

    func release() {
        guard let data = try? target.read(Self.name), Self.fields(data)["run"] == owner else { return }
        try? target.remove(Self.name)
    }

    static func fields(_ data: Data) -> [String: String] {
        var fields: [String: String] = [:]
        for word in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace) {
            let parts = word.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        return fields
    }
}
