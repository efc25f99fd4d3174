import Foundation
import GRDB
import Testing
@testable import ReleaseLedger
import ReleaseStateMachine

/// A new SQLite ledger appears at its path only complete; what an interrupted creation of an
/// earlier version left (an empty file, a file with GRDB's table only) is nothing, and the next
/// writer replaces it, saying so; a ledger, even one with no event yet, and another
/// application's database are never replaced; creators at once make one ledger.
@Suite struct LedgerCreationTests {
    private func inode(_ path: String) throws -> UInt64 {
        try #require(LedgerFile.identity(of: path)).inode
    }

    private func append(_ run: String, to ledger: Ledger) throws {
        try ledger.execute(
            .start(
                RunStarted(
                    runID: run, pipeline: .publication, steps: Pipeline.steps(of: .publication, RunParameters()),
                    parameters: RunParameters(
                        publication: PublicationParameters(target: "file:///m/", image: "/i.sif")),
                    chosen: ChosenValues(), host: "h", user: "u", tools: [:])),
            run: run, by: nil, actor: "u@h", at: Date())
    }

    @Test func aNewLedgerIsBuiltBesideItsPathAndLeavesNothingElse() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("l.sqlite")
        // A hidden file of a creation killed earlier is swept.
        try Data("half".utf8).write(to: URL(fileURLWithPath: LedgerCreation.hiddenPath(for: path)))
        let ledger = try Ledger.open(path: path)
        #expect(ledger.notes.isEmpty)
        try append("aaaa0001-0000-0000-0000-000000000000", to: ledger)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(names == ["l.sqlite", "l.sqlite-shm", "l.sqlite-wal", "l.sqlite.head"], "\(names)")
        #expect(try Ledger.openForReading(path: path).runs().count == 1)
    }

    @Test(arguments: ["empty", "migrations-table-only", "no-tables"])
    func aLeftoverOfACutCreationIsReplacedAndSaidSo(_ kind: String) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("l.sqlite")
        switch kind {
        case "empty": #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        case "migrations-table-only":
            try DatabaseQueue(path: path).write {
                try $0.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            }
        default:
            try DatabaseQueue(path: path).write { try $0.execute(sql: "PRAGMA user_version = 0") }
            #expect(FileManager.default.fileExists(atPath: path))
        }
        // A reader finds nothing recorded, and changes nothing.
        #expect(throws: LedgerError.missing(path: path)) { try Ledger.openForReading(path: path) }
        #expect(throws: LedgerError.missing(path: path)) { try Ledger.open(path: path, mustExist: true) }
        let ledger = try Ledger.open(path: path)
        #expect(ledger.notes.count == 1 && ledger.notes[0].contains("it held nothing"), "\(ledger.notes)")
        try append("aaaa0002-0000-0000-0000-000000000000", to: ledger)
        #expect(try Ledger.openForReading(path: path).runs().count == 1)
        #expect(try Ledger.open(path: path).notes.isEmpty, "said once")
    }

    @Test func aLeftoverBesideAnAnchorIsALostLedgerNotANewOne() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("l.sqlite")
        try append("aaaa0003-0000-0000-0000-000000000000", to: try Ledger.open(path: path))
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        for open in [{ _ = try Ledger.open(path: path) }, { _ = try Ledger.openForReading(path: path) }] {
            #expect { try open() } throws: { error in
                guard case LedgerError.vanished(_, let anchor)? = error as? LedgerError else { return false }
                return anchor.sequence == 1
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty, "left as found")
    }

    @Test func aLedgerWithNoEventYetAndAnotherApplicationsDatabaseAreNeverReplaced() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("l.sqlite")
        _ = try Ledger.open(path: path)
        let before = try inode(path)
        #expect(try Ledger.open(path: path).notes.isEmpty)
        #expect(try inode(path) == before, "a complete ledger with no event is a ledger")

        let other = directory.file("other.sqlite")
        // Tables of the ledger's names, but holding another application's rows.
        try DatabaseQueue(path: other).write { db in
            try db.execute(sql: "CREATE TABLE runs (id INTEGER); CREATE TABLE patients (id INTEGER)")
        }
        let otherInode = try inode(other)
        #expect { try Ledger.open(path: other) } throws: { error in
            if case LedgerError.notALedger = error { return true } else { return false }
        }
        #expect(try inode(other) == otherInode)
    }

    @Test func aLinkToALeftoverKeepsTheLinkAndTheLedgerGoesWhereItPoints() throws {
        let directory = TemporaryDirectory()
        let target = directory.file("real.sqlite")
        let link = directory.file("link.sqlite")
        #expect(FileManager.default.createFile(atPath: target, contents: Data()))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        try append("aaaa0004-0000-0000-0000-000000000000", to: try Ledger.open(path: link))
        #expect(LedgerFile.isSymbolicLink(link))
        #expect(try Ledger.openForReading(path: target).runs().count == 1)
    }

    @Test func creatorsAtOnceMakeOneLedgerAndEveryAppendLands() throws {
        for round in 0..<5 {
            let directory = TemporaryDirectory()
            let path = directory.file("l.sqlite")
            if round.isMultiple(of: 2) { #expect(FileManager.default.createFile(atPath: path, contents: Data())) }
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 6) { index in
                do {
                    let ledger = try Ledger.open(path: path)
                    try append(String(format: "aaaa%04d-0000-0000-0000-%012d", round, index), to: ledger)
                } catch {
                    failures.add("\(error)")
                }
            }
            #expect(failures.all.isEmpty, "round \(round): \(failures.all)")
            let reader = try Ledger.openForReading(path: path)
            #expect(try reader.runs().count == 6, "round \(round): no creator replaced another's ledger")
            #expect(try reader.verifyChain().firstMismatch == nil)
        }
    }

    private final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [String] = []
        func add(_ message: String) { lock.withLock { messages.append(message) } }
        var all: [String] { lock.withLock { messages } }
    }
}
