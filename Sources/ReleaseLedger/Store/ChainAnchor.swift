import Foundation

/// The chain's head, kept outside the database file: `<ledger>.head`, one line
/// `<sequence> <hash>`, rewritten atomically (a temporary name, then a rename) after each commit,
/// and flushed to the disk where a command's work on a run ends.
///
/// The hash chain alone proves that no event was changed or removed *inside* the log; it cannot
/// tell a log cut at its end, or an older copy put in its place, from a log that is simply
/// shorter. The anchor can: it names an event the ledger once had. It is written after the
/// commit, so it is never ahead of the log; two processes that write it at once can leave the
/// older of their two heads, which is still an event the log must contain.
public struct ChainAnchor: Equatable, Sendable {
    public var sequence: Int64
    public var hash: String

    public init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// Where the anchor of the ledger at `ledgerPath` lives.
    public static func path(for ledgerPath: String) -> String { ledgerPath + ".head" }

    /// The anchor's text, or nil when it does not parse.
    static func parse(_ text: String) -> ChainAnchor? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, let sequence = Int64(fields[0]), sequence > 0,
              fields[1].count == 64, fields[1].allSatisfy(\.isHexDigit) else { return nil }
        return ChainAnchor(sequence: sequence, hash: String(fields[1]))
    }

    /// What the file beside the ledger says: nil when there is no anchor; an error when there is
    /// one that cannot be read.
    static func read(for ledgerPath: String) throws -> ChainAnchor? {
        let path = Self.path(for: ledgerPath)
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) {
                throw LedgerError.cannotOpen(path: path, reason: "the ledger's head anchor cannot be read")
            }
            return nil
        }
        // An anchor renamed into place but never flushed can read back empty after a power cut
        // on some file systems: as good as none (a deleted anchor is told the same way).
        if data.isEmpty { return nil }
        guard let anchor = parse(String(decoding: data, as: UTF8.self)) else {
            throw LedgerError.notALedger(path: path, reason: "the ledger's head anchor does not read as '<sequence> <sha256>'")
        }
        return anchor
    }

    /// Writes the anchor through a temporary name that carries this process's id, so that two
    /// writers never share one, and a leftover is recognised as ours by `sweepLeftovers`.
    ///
    /// `durable`: flushed to the disk before the rename. Every write is atomic (the rename), and
    /// it always follows the commit it names, so the anchor is never ahead of the log whether or
    /// not it was flushed; a flush only keeps it from going back to an older head after a power
    /// cut. The ledger flushes it where a command's work ends (a lease released), not at every
    /// append, where it doubled the cost of a durable append.
    func write(for ledgerPath: String, durable: Bool = true) throws {
        let final = Self.path(for: ledgerPath)
        let temporary = Self.temporaryPrefix(for: ledgerPath) + "\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw LedgerError.cannotOpen(path: final, reason: "cannot write the head anchor: \(String(cString: strerror(errno)))")
        }
        let text = Array("\(sequence) \(hash)\n".utf8)
        let written = text.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        let synced = durable ? fsync(descriptor) : 0
        close(descriptor)
        guard written == text.count, synced == 0, rename(temporary, final) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw LedgerError.cannotOpen(path: final, reason: "cannot write the head anchor: \(reason)")
        }
    }

    static func temporaryPrefix(for ledgerPath: String) -> String {
        let directory = (ledgerPath as NSString).deletingLastPathComponent
        let name = (path(for: ledgerPath) as NSString).lastPathComponent
        return (directory as NSString).appendingPathComponent(".\(name).")
    }

    /// Removes anchor temporaries left by processes that died between writing and renaming them
    /// (a pid that no longer runs); a live writer's temporary is left alone.
    static func sweepLeftovers(for ledgerPath: String) {
        let directory = (ledgerPath as NSString).deletingLastPathComponent
        let prefix = (temporaryPrefix(for: ledgerPath) as NSString).lastPathComponent
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let pidText = name.dropFirst(prefix.count).dropLast(".tmp".count)
            guard let pid = Int32(pidText), pid != getpid() else { continue }
            if kill(pid, 0) != 0, errno == ESRCH {
                unlink((directory as NSString).appendingPathComponent(name))
            }
        }
    }
}
