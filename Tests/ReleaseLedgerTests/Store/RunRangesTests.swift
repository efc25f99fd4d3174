import Foundation
import ReleaseStateMachine
import Testing
@testable import ReleaseLedger
@testable import TestSupport

/// A check's workers each fold and compare a range of run_ids (RunRanges): every run falls in
/// exactly one range, in byte order on both stores, and an edit is found in whichever half it is.
@Suite struct RunRangesTests {
    @Test func everyRunFallsInOneRangeByItsBytes() {
        let ranges = RunRanges(bounds: ["8", "c"])
        #expect(ranges.count == 3)
        #expect(
            ["", "0", "7zzz", "8", "8a", "bfff", "c", "ffff", "é"].map(ranges.range(of:)) == [
                0, 0, 0, 1, 1, 1, 2, 2, 2,
            ])
        // Byte order, not the locale's: "Z" (0x5a) before "a" (0x61).
        #expect(RunRanges(bounds: ["a"]).range(of: "Z") == 0)
        #expect(RunRanges(bounds: []).range(of: "anything") == 0)
    }

    @Test func theConditionsSelectTheSameRangesOnBothStores() {
        let ranges = RunRanges(bounds: ["8", "c"])
        #expect(ranges.condition(0, dialect: .sqlite).sql == "(run_id < ?)")
        #expect(ranges.condition(1, dialect: .sqlite).sql == "(run_id >= ? AND run_id < ?)")
        #expect(ranges.condition(2, dialect: .postgres).sql == "(run_id COLLATE \"C\" >= ? OR run_id IS NULL)")
        #expect(ranges.condition(1, dialect: .postgres).arguments.map { $0?.sqlValue } == [.text("8"), .text("c")])
        #expect(RunRanges(bounds: []).condition(0, dialect: .sqlite).sql == "(TRUE OR run_id IS NULL)")
    }

    /// Ten runs split at the sixth; an empty ledger is one range. Edits of the first and the
    /// last runs (one in each half) and of a step are all found, table by table in key order.
    @Test(arguments: [false, true]) func anEditIsFoundInEitherHalf(postgres: Bool) throws {
        let directory = NSTemporaryDirectory() + "casa-release-ranges-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger =
            postgres
            ? try PostgresPipelineTests.newLedger().ledger
            : try Ledger.open(path: directory + "/l.sqlite")
        #expect(try ledger.read { try RunRanges.halves(of: $0) } == RunRanges(bounds: []))
        let runs = (0..<10).map(PostgresPipelineTests.run)
        try ledger.appendBatch(
            runs.map { (stream: $0, expectedVersion: 0, events: [PostgresPipelineTests.started($0)]) }, actor: "u@h",
            at: Date())
        #expect(try ledger.read { try RunRanges.halves(of: $0) } == RunRanges(bounds: [runs[5]]))
        #expect(try ledger.checkProjections().isEmpty)
        try ledger.immediateTransaction { db in
            try db.execute("UPDATE runs SET status = 'succeeded' WHERE run_id IN (?, ?)", [runs[9], runs[0]])
            try db.execute("UPDATE steps SET attempts = 7 WHERE run_id = ? AND position = 0", [runs[6]])
        }
        let differences = try ledger.checkProjections()
        #expect(differences.map(\.table) == ["runs", "runs", "steps"], "\(differences)")
        let step = try ledger.read {
            try $0.value(String.self, "SELECT step FROM steps WHERE run_id = ? AND position = 0", [runs[6]])
        }
        #expect(
            differences.map(\.key) == [
                "run_id=\(runs[0])", "run_id=\(runs[9])", "run_id=\(runs[6]), step=\(step ?? "")",
            ])
        #expect(try ledger.checkProjections(limit: 1).count == 1)
    }
}
