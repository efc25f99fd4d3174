import Testing
import ReleaseStateMachine

/// The build numbers a run keeps in the ledger before it claims them on a target: decided only
/// for a running claim, by its lease holder, once per number, and given back by a rollback.
@Suite struct BuildNumberReservationTests {
    static let claim = StepIntent.publication(
        .claimBuildNumber(
            ClaimBuildNumberIntent(
                target: "sftp://alice@BrainVISA.info:22/download",
                names: PublishedNames(imageFileName: "casa-run-5.4.sif"),
                firstCandidate: 3, claimContent: "{}", runID: Fixture.runID)))

    /// A publishing run whose claim step is running (every step before it skipped).
    static func claiming() -> [RunEvent] {
        let state = Fixture.state(Fixture.leased(publish: true))
        let before = state.steps.prefix { $0.name != .claimBuildNumber }
        return Fixture.leased(publish: true) + before.map { .stepSkipped(StepSkipped(step: $0.name, reason: "test")) }
            + [.stepStarted(StepStarted(step: .claimBuildNumber, attempt: 1, intent: claim))]
    }

    @Test func theFirstNumberNoOtherRunHolds() {
        #expect(BuildNumberReservation.firstFree(from: 3, takenByOtherRuns: []) == 3)
        #expect(BuildNumberReservation.firstFree(from: 3, takenByOtherRuns: [3, 4, 6]) == 5)
        #expect(BuildNumberReservation.firstFree(from: 3, takenByOtherRuns: [1, 2]) == 3)
        #expect(BuildNumberReservation.firstFree(from: 0, takenByOtherRuns: [1]) == 2, "numbers start at 1")
    }

    @Test(arguments: [
        ("sftp://alice@BrainVISA.info:22/download", "sftp://brainvisa.info/download/"),
        ("sftp://bob@brainvisa.info/download//", "sftp://brainvisa.info/download/"),
        ("sftp://bob@brainvisa.info:2222/download/", "sftp://brainvisa.info:2222/download/"),
        ("HTTPS://u@Mirror.example.org:443/a/b", "https://mirror.example.org/a/b/"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/"),
        ("file:///srv/mirror", "file:///srv/mirror/"),
        ("file:///srv/mirror/", "file:///srv/mirror/"),
    ])
    func aTargetIsNamedWithoutItsLoginOrItsDefaultPort(address: String, identity: String) {
        #expect(PublicationTargetIdentity.of(address) == identity)
    }

    @Test func aRunningClaimReservesANumberOnceUnderItsTargetsIdentity() throws {
        let state = Fixture.state(Self.claiming())
        let events = try RunDecider.decide(.reserveBuildNumber(.claimBuildNumber, number: 4), state, by: Fixture.holder)
        #expect(
            events == [
                .buildNumberReserved(
                    BuildNumberReserved(
                        step: .claimBuildNumber, target: "sftp://brainvisa.info/download/",
                        imageName: "casa-run-5.4.sif", buildNumber: 4))
            ])
        let reserved = RunDecider.fold(events, from: state)
        #expect(reserved.buildNumberReservations == [4])
        #expect(
            try RunDecider.decide(.reserveBuildNumber(.claimBuildNumber, number: 4), reserved, by: Fixture.holder)
                .isEmpty,
            "a claim that asks again keeps its number")
        #expect(
            try RunDecider.decide(.reserveBuildNumber(.claimBuildNumber, number: 5), reserved, by: Fixture.holder).count
                == 1)
    }

    @Test func onlyTheHolderOfARunningClaimReserves() throws {
        let state = Fixture.state(Self.claiming())
        #expect(throws: DomainError.leaseHeld(Fixture.holder)) {
            try RunDecider.decide(.reserveBuildNumber(.claimBuildNumber, number: 4), state, by: nil)
        }
        let takenOver = RunDecider.evolve(
            state, .leaseAcquired(LeaseAcquired(holder: Fixture.otherHolder, takenOverFrom: Fixture.holder, epoch: 2)))
        #expect(throws: DomainError.fenced(writer: Fixture.holder, current: Fixture.otherHolder, epoch: 2)) {
            try RunDecider.decide(.reserveBuildNumber(.claimBuildNumber, number: 4), takenOver, by: Fixture.holder)
        }
        #expect(throws: DomainError.stepNotRunning(.claimBuildNumber, .indeterminate)) {
            try RunDecider.decide(.reserveBuildNumber(.claimBuildNumber, number: 4), takenOver, by: Fixture.otherHolder)
        }
        #expect(throws: DomainError.notAClaim(.checkTarget)) {
            let checking = Fixture.state(
                Fixture.leased(publish: true)
                    + Fixture.state(Fixture.leased(publish: true)).steps
                    .prefix { $0.name != .checkTarget }.map { .stepSkipped(StepSkipped(step: $0.name, reason: "test")) }
                    + [.stepStarted(StepStarted(step: .checkTarget, attempt: 1, intent: Fixture.intent))])
            return try RunDecider.decide(.reserveBuildNumber(.checkTarget, number: 4), checking, by: Fixture.holder)
        }
    }

    @Test func aRollbackOrARetractionGivesTheRunsNumbersBack() {
        let reserved = Fixture.state(
            Self.claiming() + [
                .buildNumberReserved(
                    BuildNumberReserved(step: .claimBuildNumber, target: "t", imageName: "i", buildNumber: 3)),
                .buildNumberReserved(
                    BuildNumberReserved(step: .claimBuildNumber, target: "t", imageName: "i", buildNumber: 4)),
            ])
        #expect(reserved.buildNumberReservations == [3, 4])
        let rolledBack = RunDecider.evolve(
            reserved, .publicationRolledBack(PublicationRolledBack(target: "t", removed: [], reason: "r")))
        #expect(rolledBack.buildNumberReservations.isEmpty)
        let retracted = RunDecider.evolve(
            reserved,
            .publicationRetracted(
                PublicationRetracted(
                    target: "t", buildNumber: 3, removed: [], movedToAttic: [:], localLinksRemoved: [], by: "u@h",
                    reason: nil)))
        #expect(retracted.buildNumberReservations.isEmpty)
    }
}
