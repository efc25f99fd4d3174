import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine

/// A crash campaign: runs of three pipelines (a system image built and published, a publication
/// alone, a recipe build published), each killed with SIGKILL at one to three random points
/// (before or after a random step's effect) and resumed after each kill, then resumed to the end.
/// After every iteration the guarantees are checked on the ledger, the base directory and the
/// target. The seed and the size are fixed for CI; `Benchmarks/crash-campaign.sh` runs a larger
/// one (CASA_RELEASE_CAMPAIGN_ITERATIONS, CASA_RELEASE_CAMPAIGN_SEED).
@Suite struct CrashCampaignTests {
    @Test func randomKillsThenResumeKeepEveryGuarantee() throws {
        let environment = ProcessInfo.processInfo.environment
        let iterations = environment["CASA_RELEASE_CAMPAIGN_ITERATIONS"].flatMap(Int.init) ?? 40
        let seed = environment["CASA_RELEASE_CAMPAIGN_SEED"].flatMap(UInt64.init) ?? 20261126
        var random = SplitMix64(seed: seed)
        let workspace = try Workspace(baseBytes: 64 << 10)
        try workspace.makeRecipes()
        #expect(try workspace.run(workspace.createArguments).status == 0)
        var figures = CampaignFigures()
        let started = Date()

        for iteration in 1...iterations {
            let kind = CampaignRun.allCases[Int(random.next() % UInt64(CampaignRun.allCases.count))]
            let arguments = kind.arguments(workspace)
            let steps = kind.pipelines.flatMap { Pipeline.definition(of: $0).steps.map(\.name) }
            let kills = 1 + Int(random.next() % 3)
            var points: [String] = []
            for _ in 0..<kills {
                let step = steps[Int(random.next() % UInt64(steps.count))]
                points.append("\(step):\(random.next() % 2 == 0 ? "before" : "after")")
            }
            let context = "iteration \(iteration) (seed \(seed)): \(kind) killed at \(points.joined(separator: ", "))"
            var result = try workspace.run(arguments, environment: ["CASA_RELEASE_FAILPOINT": points[0]])
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
            if result.status != 0 { break }
        }
        let seconds = Date().timeIntervalSince(started)
        print("crash campaign: seed \(seed), \(iterations) iterations, \(figures.runs) runs, \(figures.kills) SIGKILLs, \(figures.resumes) resumes, "
              + "\(figures.publications) publications checked, \(figures.builds) builds, \(String(format: "%.1f", seconds)) s")
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
            #expect(parsed.md5 == (try? Self.md5(workspace.mirror + "/" + image)), "\(context): \(image) does not match its sidecar's md5")
            if let imageID = parsed.imageID {
                #expect(imageIDs[imageID] == nil, "\(context): image_id \(imageID) published twice: \(imageIDs[imageID] ?? "") and \(sidecar)")
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
        #expect(builds == completedBuilds, "\(context): \(builds) apptainer builds for \(completedBuilds) completed build steps")
        figures.builds = builds
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
    var runs = 0, kills = 0, resumes = 0, publications = 0, builds = 0
}

/// The runs a campaign draws from.
enum CampaignRun: CaseIterable, CustomStringConvertible {
    case systemImagePublished, publicationAlone, recipeImagePublished

    var pipelines: [PipelineKind] {
        switch self {
        case .systemImagePublished: return [.systemBaseImage]
        case .publicationAlone: return [.publication]
        case .recipeImagePublished: return [.recipeBaseImage]
        }
    }

    func arguments(_ workspace: Workspace) -> [String] {
        let target = "target=file://\(workspace.mirror)/"
        switch self {
        case .systemImagePublished: return workspace.createArguments + ["force=yes", "publish=yes", target]
        case .publicationAlone: return workspace.publishArguments
        case .recipeImagePublished:
            return ["create-base-image", "type=run", "image_version=5.4", "recipes=\(workspace.recipes)", "force=yes", "publish=yes", target]
        }
    }

    var description: String {
        switch self {
        case .systemImagePublished: return "create system image + publish"
        case .publicationAlone: return "publish"
        case .recipeImagePublished: return "build run image + publish"
        }
    }
}

/// A small seeded generator (SplitMix64), so that a campaign's kill points repeat for a seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
