import Foundation
import Testing
@testable import ReleaseLedger
import ReleaseStateMachine

/// Build numbers reserved in the ledger: one run per number of an image name on a target,
/// whatever login names the target, kept across a retry, given back by a rollback, and rebuilt
/// from the events like every projection.
@Suite struct BuildNumberReservationsTests {
    let holder = LeaseHolder(pid: 1, host: "h", since: "2026-01-01T00:00:00.000Z", processStart: nil)

    /// A publication run of `image` to `target` whose claim step is running.
    func claiming(_ run: String, target: String, image: String = "casa-run-5.4.sif", in ledger: Ledger) throws {
        let steps = Pipeline.steps(of: .publication, RunParameters())
        try ledger.execute(
            .start(
                RunStarted(
                    runID: run, pipeline: .publication, steps: steps,
                    parameters: RunParameters(publication: PublicationParameters(target: target, image: "/b/" + image)),
                    chosen: ChosenValues(), host: "h", user: "u", tools: [:])), run: run, by: nil, actor: "u@h",
            at: Date())
        try ledger.execute(
            .acquireLease(holder, currentHolderIsAlive: false), run: run, by: holder, actor: "u@h", at: Date())
        for step in steps.prefix(while: { $0 != .claimBuildNumber }) {
            try ledger.execute(.skipStep(step, reason: "test"), run: run, by: holder, actor: "u@h", at: Date())
        }
        let intent = ClaimBuildNumberIntent(
            target: target, names: PublishedNames(imageFileName: image), firstCandidate: 3, claimContent: "{}",
            runID: run)
        try ledger.execute(
            .startStep(.claimBuildNumber, intent: .publication(.claimBuildNumber(intent)), logPath: nil), run: run,
            by: holder,
            actor: "u@h", at: Date())
    }

    func reserve(_ run: String, from candidate: Int, in ledger: Ledger) throws -> Int {
        try ledger.reserveBuildNumber(
            run: run, step: .claimBuildNumber, from: candidate, by: holder, actor: "u@h", at: Date())
    }

    @Test func runsNeverShareANumberUntilARollbackGivesItBack() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        let alice = "aaaa0201-0000-0000-0000-000000000000"
        let bob = "aaaa0202-0000-0000-0000-000000000000"
        let other = "aaaa0203-0000-0000-0000-000000000000"
        let elsewhere = "aaaa0204-0000-0000-0000-000000000000"
        try claiming(alice, target: "sftp://alice@brainvisa.info/download/", in: ledger)
        try claiming(bob, target: "sftp://bob@BrainVISA.info:22/download", in: ledger)
        try claiming(other, target: "sftp://bob@brainvisa.info/download/", image: "casa-dev-5.4.sif", in: ledger)
        try claiming(elsewhere, target: "sftp://bob@brainvisa.info/other/", in: ledger)

        #expect(try reserve(alice, from: 3, in: ledger) == 3)
        #expect(try reserve(bob, from: 3, in: ledger) == 4, "one directory, whoever logs in")
        #expect(try reserve(other, from: 3, in: ledger) == 3, "another image name numbers on its own")
        #expect(try reserve(elsewhere, from: 3, in: ledger) == 3, "another directory numbers on its own")

        let version = try ledger.state(of: alice).version
        #expect(try reserve(alice, from: 3, in: ledger) == 3, "a claim tried again keeps its number")
        #expect(try ledger.state(of: alice).version == version, "and records nothing more")
        #expect(try reserve(alice, from: 4, in: ledger) == 5)

        try ledger.execute(
            .rollBackPublication(target: "sftp://bob@brainvisa.info/download", removed: [], reason: "test"),
            run: bob, by: holder, actor: "u@h", at: Date())
        #expect(try reserve(alice, from: 4, in: ledger) == 4, "bob's rollback gave 4 back")
        #expect(
            try ledger.read {
                try $0.values(
                    Int.self,
                    "SELECT build_number FROM build_number_reservations WHERE run_id = ? ORDER BY build_number", [alice]
                )
            } == [3, 4, 5])

        #expect(try ledger.checkProjections().isEmpty, "the reservations are what the events say")
        try ledger.rebuildProjections()
        #expect(try ledger.read { try $0.values(Int.self, "SELECT count(*) FROM build_number_reservations") } == [5])
    }

    @Test func aHandEditedReservationIsADifference() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        let run = "aaaa0205-0000-0000-0000-000000000000"
        try claiming(run, target: "file:///m/", in: ledger)
        _ = try reserve(run, from: 3, in: ledger)
        try ledger.queue.write { db in try db.execute(sql: "UPDATE build_number_reservations SET build_number = 9") }
        #expect(
            try ledger.checkProjections().map(\.table) == ["build_number_reservations", "build_number_reservations"])
    }

    @Test func onlyAClaimingHolderReserves() throws {
        let directory = TemporaryDirectory()
        let ledger = try Ledger.open(path: directory.file("l.sqlite"))
        let run = "aaaa0206-0000-0000-0000-000000000000"
        try claiming(run, target: "file:///m/", in: ledger)
        let stranger = LeaseHolder(pid: 2, host: "elsewhere", since: "2026-01-01T00:00:00.000Z", processStart: nil)
        #expect(throws: DomainError.fenced(writer: stranger, current: holder, epoch: 1)) {
            try ledger.reserveBuildNumber(
                run: run, step: .claimBuildNumber, from: 3, by: stranger, actor: "u@h", at: Date())
        }
        #expect(throws: DomainError.notAClaim(.checkTarget)) {
            try ledger.reserveBuildNumber(run: run, step: .checkTarget, from: 3, by: holder, actor: "u@h", at: Date())
        }
        #expect(try ledger.read { try $0.values(Int.self, "SELECT count(*) FROM build_number_reservations") } == [0])
    }
}
