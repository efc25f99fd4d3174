import ReleaseStateMachine

/// Small builders for table-driven tests of the decider.
enum Fixture {
    static let runID = "0c1d2e3f-0000-4000-8000-000000000001"
    static let holder = LeaseHolder(pid: 100, host: "build", since: "2026-01-01T00:00:00.000Z", processStart: 1)
    static let otherHolder = LeaseHolder(pid: 200, host: "build", since: "2026-01-02T00:00:00.000Z", processStart: 2)

    static func started(publish: Bool = false) -> RunStarted {
        RunStarted(
            runID: runID, pipeline: .systemBaseImage,
            steps: Pipeline.steps(of: .systemBaseImage, RunParameters()),
            parameters: RunParameters(
                .systemBaseImage(
                    SystemBaseImageParameters(
                        baseDirectory: "/casa", base: nil, basePattern: "*ubuntu-*.sif", imageVersion: "ubuntu-24.04",
                        containerType: "singularity", name: "casa-system-ubuntu-24.04",
                        output: "/casa/casa-system-ubuntu-24.04.sif", force: false)),
                publication: publish
                    ? PublicationParameters(target: "file:///mirror/", image: "/casa/casa-system-ubuntu-24.04.sif")
                    : nil),
            chosen: ChosenValues(
                imageID: "11111111-2222-4333-8444-555555555555", creationTime: "2026-01-01T00:00:00.000000+00:00"),
            host: "build", user: "release", tools: [:])
    }

    static let intent = StepIntent.systemImage(
        .resolveBase(
            ResolveBaseIntent(baseDirectory: "/casa", explicitBase: nil, pattern: "*ubuntu-*.sif")))
    static let resolved = StepOutcome.systemImage(
        .resolvedBase(
            ResolvedBase(
                base: "/casa/ubuntu-24.04.sif", system: "ubuntu-24.04", origin: "ubuntu-24.04.sif", size: 10,
                modified: 5,
                baseImageID: nil)))

    /// The events of a run started and leased.
    static func leased(publish: Bool = false) -> [RunEvent] {
        [.runStarted(started(publish: publish)), .leaseAcquired(LeaseAcquired(holder: holder, takenOverFrom: nil))]
    }

    static func state(_ events: [RunEvent]) -> RunState { RunDecider.fold(events) }

    static func stepStarted(_ step: StepName, attempt: Int = 1) -> RunEvent {
        .stepStarted(StepStarted(step: step, attempt: attempt, intent: intent, logPath: nil))
    }

    static func stepSucceeded(_ step: StepName, attempt: Int = 1) -> RunEvent {
        .stepSucceeded(StepSucceeded(step: step, attempt: attempt, outcome: resolved))
    }
}
