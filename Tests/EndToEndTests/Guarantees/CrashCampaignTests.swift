import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// A crash campaign: runs of four pipelines (a system image built and published, a publication
/// alone, a recipe build published, a docker image pushed to a registry), each killed with SIGKILL at one to three random points
/// (before or after a random step's effect) and resumed after each kill, then resumed to the end;
/// or its holder stopped and taken over by another host; or, on PostgreSQL, the server killed and
/// started again while the holder is stopped.
/// After every iteration the guarantees are checked on the ledger, the base directory and the
/// target. The seed and the size are fixed for CI; `Benchmarks/crash-campaign.sh` runs a larger
/// one (CASA_RELEASE_CAMPAIGN_ITERATIONS, CASA_RELEASE_CAMPAIGN_SEED).
@Suite struct CrashCampaignTests {
    @Test func randomKillsThenResumeKeepEveryGuarantee() async throws {
        try await onItsOwnThread(.early) {
            let environment = ProcessInfo.processInfo.environment
            let iterations = environment["CASA_RELEASE_CAMPAIGN_ITERATIONS"].flatMap(Int.init) ?? 40
            let seed = environment["CASA_RELEASE_CAMPAIGN_SEED"].flatMap(UInt64.init) ?? 20_261_126
            var random = SplitMix64(seed: seed)
            // On PostgreSQL the campaign has a server of its own, which it restarts mid-run.
            let postgres = TestLedger.isPostgres ? try PostgresServer() : nil
            let ledger = try postgres.map { server -> TestLedger.Choice in
                try server.psql("CREATE DATABASE campaign")
                return .postgres(server.url(database: "campaign"))
            }
            let workspace = try Workspace(baseBytes: 64 << 10, ledger: ledger ?? .suitesStore)
            try workspace.makeRecipes()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            // The docker image every publish-docker of the campaign pushes again (force=yes), and its registry.
            try workspace.makeBusyboxBase()
            try workspace.defineRun()
            #expect(try workspace.run(["create-docker", "image_names=casa-run:*", "casa_version=5.4"]).status == 0)
            let registry = try RegistryServer(directory: workspace.root + "/registry")
            var figures = CampaignFigures()
            let started = Date()

            for iteration in 1...iterations {
                let kind = CampaignRun.allCases[Int(random.next() % UInt64(CampaignRun.allCases.count))]
                let arguments = kind.arguments(workspace, registry: registry)
                let steps = kind.steps
                let kills = 1 + Int(random.next() % 3)
                var points: [String] = []
                for _ in 0..<kills {
                    let step = steps[Int(random.next() % UInt64(steps.count))]
                    points.append("\(step):\(random.next() % 2 == 0 ? "before" : "after")")
                }
                // One iteration in four, the first holder is stopped (SIGSTOP) before a step's effect
                // instead, its run taken over by another host once its heartbeat aged, and then woken.
                let frozen = random.next() % 4 == 0
                // On PostgreSQL, one other iteration in five, the holder is stopped there while the
                // server is killed and started again, then woken.
                let restartsServer = random.next() % 5 == 0 && !frozen && postgres != nil
                if frozen || restartsServer {
                    points[0] = points[0].split(separator: ":").dropLast().joined(separator: ":") + ":pause"
                }
                let how = frozen ? "stopped" : restartsServer ? "stopped while the server restarted" : "killed"
                let context =
                    "iteration \(iteration) (seed \(seed)): \(kind) \(how) at \(points.joined(separator: ", "))"
                var result: Execution
                if frozen {
                    result = try freezeAndTakeOver(
                        workspace, arguments, point: points[0], context: context, figures: &figures)
                    points = [points[0]]
                } else if let postgres, restartsServer {
                    result = try restartServerUnder(
                        workspace, arguments, point: points[0], server: postgres, context: context, figures: &figures)
                    points = [points[0]]
                    if result.status == 75 {
                        result = try workspace.run(["resume"])
                        figures.resumes += 1
                    }
                } else {
                    result = try workspace.run(arguments, environment: ["CASA_RELEASE_FAILPOINT": points[0]])
                }
                figures.runs += 1
                for point in points.dropFirst() where result.killed {
                    figures.kills += 1
                    result = try workspace.run(["resume"], environment: ["CASA_RELEASE_FAILPOINT": point])
                    figures.resumes += 1
                }
                if result.killed {
                    figures.kills += 1
                    result = try workspace.run(["resume"])
                    figures.resumes += 1
                }
                #expect(result.status == 0, "\(context): \(result.stderr)")
                try checkGuarantees(workspace, context: context, figures: &figures)
                try checkRegistry(workspace, registry, context: context, figures: &figures)
                if result.status != 0 { break }
            }
            try checkRegistry(
                workspace, registry, context: "after the campaign (seed \(seed))", figures: &figures, all: true)
            let seconds = Date().timeIntervalSince(started)
            print(
                "crash campaign: seed \(seed), \(iterations) iterations, \(figures.runs) runs, \(figures.kills) SIGKILLs, \(figures.freezes) holders stopped and taken over, "
                    + "\(figures.serverRestarts) server restarts under a holder, \(figures.resumes) resumes, "
                    + "\(figures.publications) publications checked, \(figures.dockerTags) docker tags checked, \(figures.builds) builds, "
                    + "\(TestLedger.isPostgres ? "PostgreSQL" : "SQLite") ledger, \(String(format: "%.1f", seconds)) s")
        }
    }

    /// Starts a run whose holder stops itself at `point` (`<step>:pause`), lets another host take
    /// the run over once the holder's heartbeat is older than the taker's expiry (1 s), then wakes
    /// the holder, which must stop with 75 and append nothing. The takeover's result is returned.
    func freezeAndTakeOver(
        _ workspace: Workspace, _ arguments: [String], point: String, context: String,
        figures: inout CampaignFigures
    ) throws -> Execution {
        let holder = try startStoppedHolder(workspace, arguments, point: point, context: context)
        defer { Self.reap(holder) }
        // The step was skipped: the run went on to its end.
        guard LeaseTests.isStopped(holder.processIdentifier) else { return Self.finish(holder) }
        figures.freezes += 1
        let other = ["CASA_RELEASE_HOST": "campaign-other-host", "CASA_RELEASE_LEASE_EXPIRY": "1"]
        var takeover = try workspace.run(["resume"], environment: other)
        for _ in 0..<200 where takeover.status == 75 { takeover = try workspace.run(["resume"], environment: other) }
        #expect(
            takeover.status == 0 && takeover.stderr.contains("took over run"),
            "\(context): takeover: \(takeover.stderr)")
        let events = try workspace.ledger().eventCount()
        kill(holder.processIdentifier, SIGCONT)
        let woken = Self.finish(holder)
        #expect(woken.status == 75, "\(context): the woken holder: \(woken.stderr)")
        #expect(try workspace.ledger().eventCount() == events, "\(context): the woken holder appended nothing")
        return takeover
    }

    /// Starts a run whose holder stops itself at `point` (`<step>:pause`), kills the PostgreSQL
    /// server and starts it again meanwhile, then wakes the holder: its connection is gone. It
    /// must either go on (0) or stop with 75, leaving a run that resumes. Its result is returned.
    func restartServerUnder(
        _ workspace: Workspace, _ arguments: [String], point: String, server: PostgresServer, context: String,
        figures: inout CampaignFigures
    ) throws -> Execution {
        let holder = try startStoppedHolder(workspace, arguments, point: point, context: context)
        defer { Self.reap(holder) }
        if LeaseTests.isStopped(holder.processIdentifier) {
            figures.serverRestarts += 1
            server.stop()
            try server.start()
            kill(holder.processIdentifier, SIGCONT)
        }
        let result = Self.finish(holder)
        #expect([0, 75].contains(result.status), "\(context): the holder after the restart: \(result.stderr)")
        return result
    }

    /// Starts a run whose holder stops itself (SIGSTOP) at `point` (`<step>:pause`), and waits
    /// until it has stopped there, or ended (the step skipped).
    func startStoppedHolder(
        _ workspace: Workspace, _ arguments: [String], point: String, context: String
    ) throws -> Process {
        let holder = try workspace.start(arguments, environment: ["CASA_RELEASE_FAILPOINT": point])
        #expect(ConcurrentResumeTests.waitUntilSettled([holder]), "\(context): the holder neither stopped nor ended")
        return holder
    }

    /// A holder left running by a failed expectation is killed (and woken, so that it dies).
    static func reap(_ holder: Process) {
        if holder.isRunning { kill(holder.processIdentifier, SIGKILL); kill(holder.processIdentifier, SIGCONT) }
    }

    /// Waits for the holder and says how it ended.
    static func finish(_ holder: Process) -> Execution {
        holder.waitUntilExit()
        let stderr = String(
            decoding: (holder.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return Execution(
            status: holder.terminationStatus, killed: holder.terminationReason == .uncaughtSignal, stdout: "",
            stderr: stderr)
    }

    /// What must hold after every iteration.
    func checkGuarantees(_ workspace: Workspace, context: String, figures: inout CampaignFigures) throws {
        let verify = try workspace.run(["verify"])
        #expect(verify.status == 0, "\(context): verify: \(verify.stderr)")
        let ledger = try workspace.ledger()
        for run in try ledger.runs(limit: 1_000_000) {
            #expect(run.status == RunStatus.completed.rawValue, "\(context): run \(run.runID) is \(run.status)")
        }
        // Every published N has its image and its sidecar, with the image's md5; no image_id twice.
        var imageIDs: [String: String] = [:]
        let mirror = try workspace.files(in: workspace.mirror)
        for sidecar in mirror where sidecar.hasSuffix(".sif.json") {
            let image = String(sidecar.dropLast(".json".count))
            #expect(mirror.contains(image), "\(context): \(sidecar) without its image")
            let parsed = try workspace.sidecar(workspace.mirror + "/" + sidecar)
            #expect(
                parsed.md5 == (try? Self.md5(workspace.mirror + "/" + image)),
                "\(context): \(image) does not match its sidecar's md5")
            if let imageID = parsed.imageID {
                #expect(
                    imageIDs[imageID] == nil,
                    "\(context): image_id \(imageID) published twice: \(imageIDs[imageID] ?? "") and \(sidecar)")
                imageIDs[imageID] = sidecar
            }
            figures.publications += 1
        }
        for image in mirror where image.hasSuffix(".sif") {
            #expect(mirror.contains(image + ".json"), "\(context): \(image) visible without its sidecar")
        }
        // No temporary file anywhere.
        for directory in [workspace.base, workspace.mirror] {
            let hidden = try workspace.files(in: directory).filter { $0.hasPrefix(".") }
            #expect(hidden.isEmpty, "\(context): left in \(directory): \(hidden)")
        }
        // One build per completed build step.
        let completedBuilds = try ledger.runs(limit: 1_000_000).reduce(0) { count, run in
            count + ((try ledger.state(of: run.runID).step(.build)?.status == .succeeded) ? 1 : 0)
        }
        let builds = try workspace.builds().count
        #expect(
            builds == completedBuilds,
            "\(context): \(builds) apptainer builds for \(completedBuilds) completed build steps")
        figures.builds = builds
    }

    /// The registry after every iteration: each completed publish-docker run left exactly one
    /// `5.4-<N>` of its own, every tag points at the one build, and no claim is left. A numbered
    /// tag is read once, when it appears (they are immutable: a later change would be seen as a
    /// tag of the wrong digest by the campaign's last check, `all: true`); the moving tag each time.
    func checkRegistry(
        _ workspace: Workspace, _ registry: RegistryServer, context: String, figures: inout CampaignFigures,
        all: Bool = false
    ) throws {
        let ledger = try workspace.ledger()
        let completed = try ledger.runs(limit: 1_000_000).filter {
            $0.pipeline == PipelineKind.dockerPublication.rawValue && $0.status == RunStatus.completed.rawValue
        }
        let tags = try workspace.registryTags(registry, "cati/casa-run")
        let numbered = tags.filter { $0.hasPrefix("5.4-") && !$0.contains(".claim-") }
        #expect(
            numbered.count == completed.count,
            "\(context): \(numbered.count) numbered tags for \(completed.count) completed publish-docker runs: \(tags)")
        #expect(!tags.contains { $0.contains(".claim-") }, "\(context): a claim was left: \(tags)")
        guard !tags.isEmpty else { return }
        let built = try workspace.skopeoDigest("cati/casa-run:5.4")
        for tag in tags where all || tag == "5.4" || !figures.checkedTags.contains(tag) {
            #expect(
                try workspace.registryDigest(registry, "cati/casa-run:\(tag)") == built,
                "\(context): cati/casa-run:\(tag) is not the build")
            figures.checkedTags.insert(tag)
            figures.dockerTags += 1
        }
    }

    static func md5(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/md5sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(output.prefix(32))
    }
}

struct CampaignFigures {
    var runs = 0, kills = 0, resumes = 0, publications = 0, builds = 0, dockerTags = 0, freezes = 0, serverRestarts = 0
    var checkedTags: Set<String> = []
}

/// The runs a campaign draws from.
enum CampaignRun: CaseIterable, CustomStringConvertible {
    case systemImagePublished, publicationAlone, recipeImagePublished, dockerPublished

    /// The steps a kill may land before or after.
    var steps: [StepName] {
        switch self {
        case .systemImagePublished: return Pipeline.steps(of: .systemBaseImage, RunParameters())
        case .publicationAlone: return Pipeline.steps(of: .publication, RunParameters())
        case .recipeImagePublished: return Pipeline.steps(of: .recipeBaseImage, RunParameters())
        case .dockerPublished: return [.checkRegistry, StepName("push-casa-run:5.4"), .tagImages]
        }
    }

    func arguments(_ workspace: Workspace, registry: RegistryServer) -> [String] {
        let target = "target=file://\(workspace.mirror)/"
        switch self {
        case .systemImagePublished: return workspace.createArguments + ["force=yes", "publish=yes", target]
        case .publicationAlone: return workspace.publishArguments
        case .recipeImagePublished:
            return [
                "create-base-image", "type=run", "image_version=5.4", "recipes=\(workspace.recipes)", "force=yes",
                "publish=yes", target,
            ]
        case .dockerPublished: return ["publish-docker", "registry=\(registry.url)", "force=yes"]
        }
    }

    var description: String {
        switch self {
        case .systemImagePublished: return "create system image + publish"
        case .publicationAlone: return "publish"
        case .recipeImagePublished: return "build run image + publish"
        case .dockerPublished: return "publish-docker"
        }
    }
}
