// Provenance benchmark: builds a big ledger through the ledger's own API, then times the queries a
// release engineer runs on it: `status`, `provenance`, `audit environment=`, `audit image=`, in
// process and as `casa-release` commands (a process started, the ledger opened, the answer printed).
//
//   swift build -c release --static-swift-stdlib && .build/release/provenance-benchmark [RUNS] [LEDGER]
//
// The default is 100,000 runs (about 2.3 million events) in a temporary ledger, removed at the
// end; a LEDGER path that exists is measured as it is, else built there and kept. A LEDGER that is
// a postgres:// URL is a PostgreSQL ledger: built there when it holds no events, else measured as
// it is (`casa-release ledger copy` fills one from a SQLite ledger this benchmark built). It prints
// figures; it asserts nothing.
//
// The ledger holds what a release history holds: system images (each copied from an upstream
// .sif), run and dev images built on them from recipes, user images made from 2,000 developer
// environments (each run: select-environment, check-run-image, install, render-definition,
// generate, describe, and the publication steps skipped), and one publication run for every
// ~7 user images. Every event goes through `Ledger.appendBatch`: the decider's fold, the hash
// chain and the projections, as a real run's do; intents come from the run's IntentPlanner.
import Foundation
import ReleaseLedger
import ReleaseStateMachine

let arguments = CommandLine.arguments
let runCount = arguments.count > 1 ? Int(arguments[1]) ?? 100_000 : 100_000
// Two system images, two run and two dev images, and at least one user image to follow.
guard runCount >= 8 else {
    FileHandle.standardError.write("provenance-benchmark: RUNS must be at least 8 (got \(arguments[1]))\n".data(using: .utf8)!)
    exit(64)
}
let givenLedger = arguments.count > 2 ? arguments[2] : nil
let ledgerPath = givenLedger ?? NSTemporaryDirectory() + "casa-release-provenance-bench-\(UUID().uuidString).sqlite"
let keep = givenLedger != nil
let postgres = ledgerPath.hasPrefix("postgres://") || ledgerPath.hasPrefix("postgresql://")

/// The ledger in what is printed: a server's URL without its password.
let shownLedger = postgres ? ((try? PostgresAddress.parse(ledgerPath))?.description ?? "a PostgreSQL ledger") : ledgerPath

func openLedger() throws -> Ledger {
    postgres ? try Ledger.open(postgres: try PostgresAddress.parse(ledgerPath)) : try Ledger.open(path: ledgerPath)
}

// MARK: - A release history

let base = "/srv/casa"
let actor = "release@build"
let holder = LeaseHolder(pid: 4242, host: "build", since: "2026-01-01T00:00:00.000Z", processStart: 1)
let tools = ["casa-release": "0.1.0", "apptainer": "apptainer version 1.3.6", "libcurl": "libcurl/7.88.1 OpenSSL/3.0.19"]

/// A deterministic fake digest (the benchmark measures queries, not hashing).
func digest(_ seed: String, length: Int = 64) -> String {
    var hasher = UInt64(1469598103934665603)
    var text = ""
    var counter = 0
    while text.count < length {
        for byte in "\(seed)#\(counter)".utf8 { hasher = (hasher ^ UInt64(byte)) &* 1099511628211 }
        text += String(format: "%016llx", hasher)
        counter += 1
    }
    return String(text.prefix(length))
}

func uuid(_ seed: String) -> String {
    let hex = digest("uuid:" + seed, length: 32)
    let characters = Array(hex)
    return "\(String(characters[0..<8]))-\(String(characters[8..<12]))-4\(String(characters[13..<16]))-8\(String(characters[17..<20]))-\(String(characters[20..<32]))"
}

func sidecar(name: String, type: String, imageID: String, size: Int64, md5: String, extra: [JSONMember] = []) -> ImageSidecar {
    ImageSidecar(members: [JSONMember("name", .string(name)), JSONMember("type", .string(type)), JSONMember("system", .string("ubuntu-24.04")),
                           JSONMember("container_type", .string("singularity")), JSONMember("creation_time", .string("2026-01-01T00:00:00"))]
                 + extra + [JSONMember("size", .integer(size)), JSONMember("md5", .string(md5)), JSONMember("image_id", .string(imageID))])
}

func description(_ path: String, type: String, imageID: String, extra: [JSONMember] = []) -> ImageDescription {
    let size = Int64(1_000_000_000 + path.count)
    let md5 = digest("md5:" + path, length: 32)
    return ImageDescription(image: path, sidecarPath: path + ".json",
                            sidecar: sidecar(name: FilePath.lastComponent(path), type: type, imageID: imageID, size: size, md5: md5, extra: extra),
                            size: size, md5: md5, sha256: digest("sha:" + path + imageID), modified: 1_700_000_000_000_000_000)
}

/// A run's events: started, leased, each step started and succeeded with `outcomes[step]` (or
/// skipped by its rule), completed, released. Intents come from the planner, as in a real run.
struct RunBuilder {
    var planned = 0
    var placeholders = 0

    mutating func events(_ started: RunStarted, outcomes: [StepName: StepOutcome]) -> [RunEvent] {
        var events: [RunEvent] = [.runStarted(started), .leaseAcquired(LeaseAcquired(holder: holder))]
        var state = RunDecider.fold(events)
        let pipeline = Pipeline.definition(of: started.pipeline)
        for step in started.steps {
            let next: [RunEvent]
            if let outcome = outcomes[step] {
                let intent: StepIntent
                if let planned = try? IntentPlanner.intent(for: step, in: state) {
                    intent = planned
                    self.planned += 1
                } else {
                    intent = .systemImage(.resolveBase(ResolveBaseIntent(baseDirectory: base, pattern: "*")))
                    placeholders += 1
                }
                next = [.stepStarted(StepStarted(step: step, attempt: 1, intent: intent, logPath: "\(base)/casa-release-logs/\(started.runID)/\(step).log")),
                        .stepSucceeded(StepSucceeded(step: step, attempt: 1, outcome: outcome))]
            } else {
                let reason = pipeline.step(named: step)?.skipRule?.reason(started.parameters) ?? "not needed"
                next = [.stepSkipped(StepSkipped(step: step, reason: reason))]
            }
            events += next
            state = RunDecider.fold(next, from: state)
        }
        return events + [.runCompleted(RunCompleted()), .leaseReleased(LeaseReleased(holder: holder))]
    }
}

func started(_ runID: String, _ pipeline: PipelineKind, _ parameters: RunParameters, imageID: String) -> RunStarted {
    RunStarted(runID: runID, pipeline: pipeline, steps: Pipeline.steps(of: pipeline, parameters), parameters: parameters,
               chosen: ChosenValues(imageID: imageID, creationTime: "2026-01-01T00:00:00.000000+00:00", logDirectory: "\(base)/casa-release-logs/\(runID)"),
               host: "build", user: "release", tools: tools)
}

struct Image {
    var path: String
    var imageID: String
    var sha256: String
    var size: Int64
}

let systemCount = max(2, runCount / 5000)
let recipeCount = max(2, runCount / 500)   // run images, and as many dev images
let environmentCount = max(2, runCount / 50)
let userAndPublications = runCount - systemCount - 2 * recipeCount
let publicationCount = userAndPublications * 13 / 100
let userCount = userAndPublications - publicationCount

var builder = RunBuilder()
var systems: [Image] = [], runImages: [Image] = [], devImages: [Image] = [], userImages: [Image] = []
var runIndex = 0
func nextRunID() -> String { runIndex += 1; return uuid("run-\(runIndex)") }

func systemRun(_ index: Int) -> (String, [RunEvent]) {
    let runID = nextRunID(), imageID = uuid("system-\(index)")
    let upstream = "\(base)/ubuntu-24.04-\(index).sif", output = "\(base)/casa-system-ubuntu-24.04-\(index).sif"
    let image = description(output, type: "system", imageID: imageID, extra: [JSONMember("origin", .string(FilePath.lastComponent(upstream)))])
    let parameters = RunParameters(.systemBaseImage(SystemBaseImageParameters(
        baseDirectory: base, base: upstream, basePattern: "*ubuntu-*.sif", imageVersion: "ubuntu-24.04", containerType: "singularity",
        name: "casa-system-ubuntu-24.04-\(index)", output: output, force: false)), commandLine: ["casa-release", "create-base-image", "type=system"])
    systems.append(Image(path: output, imageID: imageID, sha256: image.sha256, size: image.size))
    return (runID, builder.events(started(runID, .systemBaseImage, parameters, imageID: imageID), outcomes: [
        .resolveBase: .systemImage(.resolvedBase(ResolvedBase(base: upstream, system: "ubuntu-24.04", origin: FilePath.lastComponent(upstream), size: image.size, modified: 1, baseImageID: nil))),
        .copy: .systemImage(.copiedImage(CopiedImage(size: image.size, sha256: image.sha256))),
        .describe: .systemImage(.describedImage(image)),
    ]))
}

func recipeRun(_ index: Int, type: String, on parent: Image) -> (String, [RunEvent]) {
    let runID = nextRunID(), imageID = uuid("\(type)-\(index)")
    let output = "\(base)/casa-\(type)-5.\(index).sif"
    let extra = [JSONMember("origin", .string("ubuntu-24.04.sif"))] + (type == "dev" ? [JSONMember("origin_run", .string(parent.imageID))] : [])
    let image = description(output, type: type, imageID: imageID, extra: extra)
    let recipeFile = "\(base)/recipes/casa-\(type)/5.\(index)/recipe.yaml"
    let recipe = Recipe(name: "casa-\(type)", base: FilePath.lastComponent(parent.path),
                        steps: (1...6).map { RecipeStep(name: "step_\($0)", operations: [.runRoot("apt-get install -y package-\($0)-a package-\($0)-b")]) })
    let parameters = RunParameters(.recipeBaseImage(RecipeBaseImageParameters(
        baseDirectory: base, imageType: type, imageVersion: "5.\(index)", recipeDirectory: "\(base)/recipes/casa-\(type)/5.\(index)",
        base: parent.path, name: "casa-\(type)-5.\(index)", output: output, containerType: "singularity", force: false, fakeroot: false,
        cleanup: true, casaDistroSource: type == "dev" ? "\(base)/casa-distro" : nil)), commandLine: ["casa-release", "create-base-image", "type=\(type)"])
    let definition = "\(base)/casa-release-logs/\(runID)/casa-\(type)-5.\(index).def"
    let result = Image(path: output, imageID: imageID, sha256: image.sha256, size: image.size)
    if type == "run" { runImages.append(result) } else { devImages.append(result) }
    return (runID, builder.events(started(runID, .recipeBaseImage, parameters, imageID: imageID), outcomes: [
        .resolveBase: .systemImage(.resolvedBase(ResolvedBase(base: parent.path, system: "ubuntu-24.04", origin: "ubuntu-24.04.sif", size: parent.size, modified: 1,
                                                 baseImageID: parent.imageID, sidecarOrigin: "ubuntu-24.04.sif"))),
        .loadRecipe: .recipeImage(.loadedRecipe(LoadedRecipe(file: recipeFile, format: "recipe.yaml", sha256: digest(recipeFile), size: 2008, modified: 1, recipe: recipe))),
        .renderDefinition: .recipeImage(.renderedDefinition(RenderedDefinition(path: definition, sha256: digest(definition), size: 2523))),
        .build: .recipeImage(.builtImage(BuiltImage(output: output, command: ["/usr/bin/apptainer", "build", output, definition], size: image.size))),
        .describe: .systemImage(.describedImage(image)),
    ]))
}

func environmentName(_ index: Int) -> String { "brainvisa-env-\(index)" }

func userRun(_ index: Int) -> (String, [RunEvent]) {
    let runID = nextRunID(), imageID = uuid("user-\(index)")
    let environmentIndex = index % environmentCount
    let dev = devImages[environmentIndex % devImages.count], run = runImages[environmentIndex % runImages.count]
    let name = environmentName(environmentIndex), directory = "\(base)/\(name)"
    let output = "\(base)/user/brainvisa-5.4.\(index).sif"
    let image = description(output, type: "user", imageID: imageID,
                            extra: [JSONMember("origin_dev", .string(dev.imageID)), JSONMember("origin_run", .string(run.imageID))])
    let parameters = RunParameters(.userImage(UserImageParameters(
        baseDirectory: base, environment: directory, environmentKind: .dev, distro: "brainvisa", version: "5.4.\(index)",
        name: "brainvisa-5.4.\(index)", output: output, containerType: "singularity", runImagePatterns: [run.path], install: true,
        installDoc: true, installTest: true, generate: true, zip: false, force: false, fakeroot: false, cleanup: true,
        casaDistroSource: "\(base)/casa-distro", pixiInstallEnvironmentScript: nil)), commandLine: ["casa-release", "create-user-image"])
    let config = ImageSidecar(members: [JSONMember("name", .string(name)), JSONMember("image_id", .string(dev.imageID)), JSONMember("branch", .string("master"))])
    let sources = (1...4).map { SourceRevision(path: "\(directory)/src/project-\($0)/master", system: "git", revision: digest("\(name)-\($0)-\(index / 50)", length: 40)) }
    let tree = TreeSummary(fileCount: 120_000, totalSize: 9_000_000_000, sha256: digest("tree-\(index)"))
    let definition = "\(base)/casa-release-logs/\(runID)/brainvisa-5.4.\(index).def"
    userImages.append(Image(path: output, imageID: imageID, sha256: image.sha256, size: image.size))
    return (runID, builder.events(started(runID, .userImage, parameters, imageID: imageID), outcomes: [
        .selectEnvironment: .userImage(.selectedEnvironment(SelectedEnvironment(
            name: name, kind: .dev, directory: directory, configPath: "\(directory)/conf/casa_distro.json", config: config, image: dev.path,
            imageID: dev.imageID, imageSHA256: dev.sha256, imageSize: dev.size, originRun: run.imageID, distro: "brainvisa",
            system: "ubuntu-24.04", imageVersion: "5.4", sources: sources, overlay: nil))),
        .checkRunImage: .userImage(.checkedRunImage(RunImage(path: run.path, imageID: run.imageID, sha256: run.sha256, size: run.size, modified: 1, acceptedBy: "origin_run"))),
        .install: .userImage(.installed(InstalledTree(commands: [["/usr/bin/apptainer", "run", dev.path, "make", "install-runtime"]], tree: tree))),
        .renderDefinition: .recipeImage(.renderedDefinition(RenderedDefinition(path: definition, sha256: digest(definition), size: 2602))),
        .generate: .recipeImage(.builtImage(BuiltImage(output: output, command: ["/usr/bin/apptainer", "build", output, definition], size: image.size, copiedTree: tree))),
        .describe: .systemImage(.describedImage(image)),
    ]))
}

func publicationRun(_ index: Int) -> (String, [RunEvent]) {
    let runID = nextRunID()
    let user = userImages[(index * 7) % userImages.count]
    let target = "sftp://brainvisa.info/var/www/download/"
    let parameters = RunParameters(publication: PublicationParameters(target: target, image: user.path), commandLine: ["casa-release", "publish-user-image"])
    let image = description(user.path, type: "user", imageID: user.imageID)
    let names = PublishedNames(imageFileName: FilePath.lastComponent(user.path))
    return (runID, builder.events(started(runID, .publication, parameters, imageID: user.imageID), outcomes: [
        .inspectImage: .systemImage(.describedImage(ImageDescription(image: user.path, sidecarPath: user.path + ".json", sidecar: image.sidecar, size: user.size,
                                                        md5: image.md5, sha256: user.sha256, modified: 1))),
        .checkTarget: .publication(.checkedTarget(TargetCheck(upToDateBuildNumber: nil, highestBuildNumber: nil))),
        .claimBuildNumber: .publication(.claimedBuildNumber(ClaimedBuildNumber(buildNumber: 1))),
        .uploadImage: .publication(.transferred(Transfer(name: names.image(1), bytes: user.size, seconds: 12.5))),
        .uploadSidecar: .publication(.transferred(Transfer(name: names.sidecar(1), bytes: 420))),
        .verifyUpload: .publication(.verifiedUpload(Transfer(name: names.image(1), bytes: user.size))),
        .makeVisible: .publication(.madeVisible(VisibleFile(name: names.image(1)))),
        .record: .publication(.recordedPublication(RecordedLinks(links: [], leftAlone: []))),
    ]))
}

func build() throws {
    let ledger = try openLedger()
    print("building \(runCount) runs into \(shownLedger): \(systemCount) system, \(recipeCount) run and \(recipeCount) dev images, "
          + "\(userCount) user images from \(environmentCount) environments, \(publicationCount) publications")
    let start = Date()
    var batch: [(stream: String, expectedVersion: Int, events: [RunEvent])] = []
    var events = 0
    func add(_ run: (String, [RunEvent])) throws {
        batch.append((run.0, 0, run.1))
        events += run.1.count
        if batch.count == 200 {
            try ledger.appendBatch(batch, actor: actor, at: Date())
            batch = []
        }
        if runIndex % 10_000 == 0 {
            let seconds = Date().timeIntervalSince(start)
            print(String(format: "  %7d runs, %9d events, %6.1f s, %8.0f events/s", runIndex, events, seconds, Double(events) / seconds))
        }
    }
    for index in 0..<systemCount { try add(systemRun(index)) }
    for index in 0..<recipeCount { try add(recipeRun(index, type: "run", on: systems[index % systems.count])) }
    for index in 0..<recipeCount { try add(recipeRun(index, type: "dev", on: runImages[index])) }
    var published = 0
    for index in 0..<userCount {
        try add(userRun(index))
        // Publications follow the images they publish.
        while published < publicationCount, published * userCount < index * publicationCount {
            try add(publicationRun(published))
            published += 1
        }
    }
    while published < publicationCount { try add(publicationRun(published)); published += 1 }
    if !batch.isEmpty { try ledger.appendBatch(batch, actor: actor, at: Date()) }
    let seconds = Date().timeIntervalSince(start)
    print(String(format: "built %d runs, %d events in %.1f s (%.0f events/s); intents: %d planned, %d placeholders",
                 runIndex, events, seconds, Double(events) / seconds, builder.planned, builder.placeholders))
}

// MARK: - Measuring

func percentile(_ values: [Double], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction + 0.5))]
}

func report(_ label: String, _ milliseconds: [Double], _ detail: String) {
    let padded = label.padding(toLength: 44, withPad: " ", startingAt: 0)
    print(padded + String(format: " median %7.2f ms  p95 %7.2f ms  max %7.2f ms  ", percentile(milliseconds, 0.5),
                          percentile(milliseconds, 0.95), milliseconds.max() ?? 0) + detail)
}

func time(_ repetitions: Int, _ body: (Int) throws -> Void) rethrows -> [Double] {
    var times: [Double] = []
    for repetition in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        try body(repetition)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return times
}

/// Runs casa-release and waits for it with posix_spawn and waitpid: Foundation's Process notices
/// an exit only at its run loop's next turn, which would add tens of milliseconds to each figure.
func command(_ binary: String, _ arguments: [String]) throws -> Double {
    let argv = [binary] + (arguments == ["--version"] ? arguments : arguments + ["--ledger", ledgerPath])
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let cArguments = argv.map { strdup($0) } + [nil]
    defer { cArguments.forEach { free($0) } }
    var pid: pid_t = 0
    let start = DispatchTime.now().uptimeNanoseconds
    guard posix_spawn(&pid, binary, &actions, nil, cArguments, environ) == 0 else { throw NSError(domain: "cannot start \(binary)", code: 1) }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    guard status == 0 else { throw NSError(domain: "casa-release \(arguments) exited with status \(status)", code: 1) }
    return elapsed
}

if postgres ? try openLedger().eventCount() == 0 : !FileManager.default.fileExists(atPath: ledgerPath) { try build() }
defer { if !keep { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: ledgerPath + suffix) } } }

let ledger = try openLedger()
let eventCount = try ledger.eventCount()
// A server's database has no file here: its size is the server's to tell (pg_database_size).
if postgres {
    print("ledger: \(eventCount) events in \(shownLedger)")
} else {
    let size = (try? FileManager.default.attributesOfItem(atPath: ledgerPath)[.size] as? Int64) ?? 0
    print(String(format: "ledger: %d events, %.0f MiB", eventCount, Double(size) / 1_048_576))
}

let users = try ledger.runs(limit: 2000).filter { $0.pipeline == PipelineKind.userImage.rawValue }.map(\.runID)
let images = try users.prefix(100).map { try ledger.state(of: $0).image! }
let repetitions = 50
print("in process (\(repetitions) repetitions, different images each time):")
var nodes = 0
report("provenance (resolve by path + chain)", try time(repetitions) { index in
    let graph = try ledger.provenance(of: try ledger.image(.path(images[index % images.count].image)))
    nodes = graph.nodes.count
}, "\(nodes) nodes")
report("provenance (resolve by sha256 prefix)", try time(repetitions) { index in
    _ = try ledger.provenance(of: try ledger.image(.sha256Prefix(String(images[index % images.count].sha256.prefix(12)))))
}, "")
var entries = 0
report("audit environment=NAME", try time(repetitions) { index in
    entries = try ledger.audit(environment: environmentName(index * 37 % environmentCount)).count
}, "\(entries) images")
let runImagePath = try ledger.state(of: users[0]).runImage!.path
report("audit image=<run image>", try time(10) { _ in
    entries = try ledger.audit(dependentsOf: try ledger.image(.path(runImagePath))).count
}, "\(entries) images")
report("status (run, steps, publications)", try time(repetitions) { index in
    let run = users[index % users.count]
    _ = (try ledger.run(run), try ledger.steps(of: run), try ledger.publications(of: run), try ledger.state(of: run))
}, "")

let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("casa-release").path
if FileManager.default.isExecutableFile(atPath: binary) {
    print("casa-release commands (\(binary), 20 repetitions, process start to exit):")
    report("casa-release --version (process start alone)", try (0..<20).map { _ in try command(binary, ["--version"]) }.map { $0 }, "")
    // (Modulo: a small ledger has fewer than 20 user runs.)
    report("casa-release status RUN", try (0..<20).map { try command(binary, ["status", users[$0 % users.count]]) }, "")
    report("casa-release status (latest run)", try (0..<20).map { _ in try command(binary, ["status"]) }, "")
    report("casa-release provenance PATH", try (0..<20).map { try command(binary, ["provenance", images[$0 % images.count].image]) }, "")
    report("casa-release provenance SHA --format slsa", try (0..<20).map { try command(binary, ["provenance", String(images[$0 % images.count].sha256.prefix(16)), "--format", "slsa"]) }, "")
    report("casa-release audit environment=NAME", try (0..<20).map { try command(binary, ["audit", "environment=\(environmentName($0 * 37 % environmentCount))"]) }, "")
    report("casa-release audit image=<run image>", try (0..<5).map { _ in try command(binary, ["audit", "image=\(runImagePath)"]) }, "")
} else {
    print("no casa-release binary at \(binary): build it (swift build -c release --static-swift-stdlib) to time the commands")
}
