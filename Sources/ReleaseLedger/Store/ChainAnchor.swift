import Foundation

/// The chain's head, kept outside the database file: `<ledger>.head`, one line
/// `<sequence> <hash>` of a fixed length, overwritten in place after each commit, and flushed to
/// the disk where a command's work on a run ends.
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
            fields[1].count == 64, fields[1].allSatisfy(\.isHexDigit)
        else { return nil }
        return ChainAnchor(sequence: sequence, hash: String(fields[1]))
    }

    /// What the file beside the ledger says: nil when there is no anchor; an error when there is
    /// one that cannot be read.
    ///
    /// A writer overwrites the line in place, and a read that runs beside a write is not atomic
    /// in the kernel's page cache, so the file is read until two reads in a row agree.
    static func read(for ledgerPath: String) throws -> ChainAnchor? {
        let path = Self.path(for: ledgerPath)
        guard var data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) {
                throw LedgerError.cannotOpen(path: path, reason: "the ledger's head anchor cannot be read")
            }
            return nil
        }
        for _ in 0..<8 {
            guard let again = FileManager.default.contents(atPath: path), again != data else { break }
            data = again
        }
        // An anchor written by an earlier version (renamed into place) but never flushed can read
        // back empty after a power cut on some file systems: as good as none (a deleted anchor
        // is told the same way).
        if data.isEmpty { return nil }
        guard let anchor = parse(String(decoding: data, as: UTF8.self)) else {
            throw LedgerError.notALedger(
                path: path, reason: "the ledger's head anchor does not read as '<sequence> <sha256>'")
        }
        return anchor
    }

    /// The anchor's line: the sequence right-aligned in 20 columns (any Int64 fits), so that every
    /// line has the same length and an overwrite never leaves the tail of a longer one behind.
    /// `parse` reads it as it reads the unpadded lines of earlier versions.
    var line: [UInt8] {
        let number = String(sequence)
        return Array((String(repeating: " ", count: max(0, 20 - number.count)) + number + " " + hash + "\n").utf8)
    }

    /// Overwrites the anchor in place, in one `pwrite` of a fixed-length line at offset 0.
    ///
    /// Why not a temporary and a rename, as earlier versions did: on ext4 a rename over an
    /// existing file forces the new file's data to the disk (its `auto_da_alloc` heuristic) and
    /// frees the old inode, one disk write per append, which was a fifth of a durable append's
    /// time. A write of one short line inside one block is as atomic as the rename was: the
    /// kernel serialises writers on the file, a killed process either made its write or did not,
    /// and two writers at once leave one of their two lines whole, each an event the log has.
    /// The file is never truncated, so a power cut cannot leave it empty either.
    ///
    /// `durable`: flushed to the disk. The anchor always follows the commit it names, so it is
    /// never ahead of the log whether or not it was flushed; a flush only keeps it from going back
    /// to an older head after a power cut. The ledger flushes it where a command's work ends (a
    /// lease released), not at every append, where it doubled the cost of a durable append.
    func write(for ledgerPath: String, durable: Bool = true) throws {
        let path = Self.path(for: ledgerPath)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw LedgerError.cannotOpen(
                path: path, reason: "cannot write the head anchor: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let text = line
        let written = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        // A longer line of an earlier version (none is longer today) would leave its tail.
        var status = stat()
        let trimmed =
            fstat(descriptor, &status) == 0
            && (status.st_size <= text.count || ftruncate(descriptor, off_t(text.count)) == 0)
        let synced = durable ? fsync(descriptor) : 0
        guard written == text.count, trimmed, synced == 0 else {
            throw LedgerError.cannotOpen(
                path: path, reason: "cannot write the head anchor: \(String(cString: strerror(errno)))")
        }
    }

    static func temporaryPrefix(for ledgerPath: String) -> String {
        let directory = (ledgerPath as NSString).deletingLastPathComponent
        let name = (path(for: ledgerPath) as NSString).lastPathComponent
        return (directory as NSString).appendingPathComponent(".\(name).")
    }

    /// Removes anchor temporaries that earlier versions (which wrote the anchor through a
    /// temporary and a rename) left when they died between the two (a pid that no longer runs);
    /// a live writer's temporary is left alone.
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
