import ArgumentParser
import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release runs`
struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List runs, most recent first.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "How many runs to list.")
    var limit: Int = 50

    func run() throws {
        let output = global.output
        let runs: [RunSummary]
        let location = try global.resolvedLedger
        do {
            runs = try GlobalOptions.openForReading(location).runs(limit: limit)
        } catch LedgerError.missing where location.isFile {
            // No file and no anchor: a machine that never recorded anything. A PostgreSQL
            // database is named on purpose, so an empty one is more likely the wrong one: said.
            runs = []
        }
        if global.json { return try output.emitJSON(runs) }
        if runs.isEmpty { return output.result("no runs recorded") }
        output.result(Table.render([["RUN", "PIPELINE", "STATUS", "STARTED", "CURRENT STEP"]] + runs.map {
            [$0.runID, $0.pipeline, $0.status, $0.startedAt, $0.currentStep ?? "-"]
        }))
    }
}

/// `casa-release status [RUN]`
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a run's steps: status, attempts, times and outputs (default: the most recent run).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The run id, or any unique prefix of it.", completion: ShellCompletion.runIDs)
    var runPrefix: String?

    struct Report: Encodable {
        var run: RunSummary
        var steps: [StepSummary]
        var publications: [PublicationSummary]
        var operatorSteps: [OperatorStepHistory]
    }

    func run() throws {
        let ledger = try global.openLedgerForReading()
        let output = global.output
        let runID: String
        if let runPrefix {
            runID = try ledger.resolveRunID(runPrefix)
        } else if let latest = try ledger.runs(limit: 1).first {
            runID = latest.runID
        } else {
            throw CommandFailure(.usage, "no runs recorded yet")
        }
        let run = try ledger.run(runID)
        // Operator steps: the table's ATTEMPTS and STARTED say nothing of them (an operator works
        // outside the run), so when each began to wait, who confirmed it and the last failed check.
        // Only pipelines that have some read the run's events for it (decoding them is most of a
        // `status` otherwise).
        let hasOperatorSteps = PipelineKind(rawValue: run.pipeline).map { kind in
            Pipeline.definition(of: kind).steps.contains { $0.kind == .operatorStep }
        } ?? true
        let history = hasOperatorSteps ? OperatorStepHistory.of(try ledger.events(of: runID).map { (try $0.decoded(), $0.recordedAt) }) : []
        let report = Report(run: run, steps: try ledger.steps(of: runID), publications: try ledger.publications(of: runID),
                            operatorSteps: history)
        if global.json { return try output.emitJSON(report) }
        var lines = ["run \(report.run.runID)", "  pipeline \(report.run.pipeline)", "  status   \(report.run.status)", "  started  \(report.run.startedAt)"]
        if let lease = report.run.lease { lines.append("  held by  \(lease)") }
        output.result(lines.joined(separator: "\n"))
        output.result(Table.render([["STEP", "STATUS", "ATTEMPTS", "STARTED", "FINISHED", "OUTPUT"]] + report.steps.map {
            [$0.step, $0.status, String($0.attempts), $0.startedAt ?? "-", $0.finishedAt ?? "-", Describe.outcome($0.outcome) ?? $0.detail ?? ""]
        }))
        for publication in report.publications {
            output.result("publication: \(publication.imageFile ?? "-") on \(publication.target): \(publication.status)")
        }
        if !history.isEmpty {
            output.result("operator steps:\n" + history.map { "  " + $0.line }.joined(separator: "\n"))
        }
        if hasOperatorSteps, let waiting = try ledger.state(of: runID).steps.first(where: { $0.status == .awaitingOperator }) {
            output.result("waiting for an operator at \(waiting.name):\n\(waiting.instructions ?? "")\nwhen it is done: casa-release confirm \(runID) \(waiting.name)")
        }
    }
}

/// `casa-release log RUN`
struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "Show a run's events, in order.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The run id, or any unique prefix of it.", completion: ShellCompletion.runIDs)
    var runPrefix: String

    struct Entry: Encodable {
        var sequence: Int64
        var version: Int
        var type: String
        var recordedAt: String
        var actor: String
        var hash: String
        var payload: JSONValue
    }

    func run() throws {
        let ledger = try global.openLedgerForReading()
        let output = global.output
        let events = try ledger.events(of: try ledger.resolveRunID(runPrefix))
        if global.json {
            return try output.emitJSON(events.map {
                Entry(sequence: $0.sequence, version: $0.streamVersion, type: $0.type, recordedAt: $0.recordedAt,
                      actor: $0.actor, hash: $0.hash, payload: (try? JSONParser.parse($0.payload)) ?? .string($0.payload))
            })
        }
        output.result(Table.render([["SEQ", "VER", "TIME", "ACTOR", "EVENT", "STEP"]] + events.map {
            let decoded = try? $0.decoded()
            return [String($0.sequence), String($0.streamVersion), $0.recordedAt, $0.actor, $0.type, decoded?.step?.rawValue ?? ""]
        }))
    }
}

/// One-line descriptions of step outcomes for people.
enum Describe {
    static func outcome(_ outcome: StepOutcome?) -> String? {
        switch outcome {
        case nil: return nil
        case .resolvedBase(let base)?: return "\(base.base) (system \(base.system))"
        case .copiedImage(let copy)?: return "\(copy.size) bytes, sha256 \(copy.sha256.prefix(12))…"
        case .describedImage(let image)?: return "\(FilePath.lastComponent(image.sidecarPath)), image_id \(image.imageID ?? "?"), md5 \(image.md5)"
        case .checkedTarget(let check)?:
            if let number = check.upToDateBuildNumber { return "up to date as N=\(number)" }
            return "highest N: \(check.highestBuildNumber.map(String.init) ?? "none")"
        case .claimedBuildNumber(let claim)?: return "N=\(claim.buildNumber)"
        case .transferred(let transfer)?, .verifiedUpload(let transfer)?:
            return "\(transfer.name) (\(transfer.bytes) bytes" + (transfer.resumedFrom.map { ", resumed from byte \($0)" } ?? "") + ")"
        case .madeVisible(let file)?: return file.name
        case .recordedPublication(let links)?: return links.links.isEmpty ? "sidecar updated" : links.links.map(FilePath.lastComponent).joined(separator: ", ")
        case .loadedRecipe(let recipe)?: return "\(recipe.file) (\(recipe.recipe.steps.count) steps, sha256 \(recipe.sha256.prefix(12))…)"
        case .renderedDefinition(let definition)?: return "\(definition.path) (sha256 \(definition.sha256.prefix(12))…)"
        case .builtImage(let image)?: return "\(FilePath.lastComponent(image.output)) (\(image.size) bytes)" + (image.command.isEmpty ? ", found after an interruption" : "")
        case .selectedEnvironment(let environment)?:
            return "\(environment.name) (\(environment.distro), \(environment.system), image_id \(environment.imageID ?? "none"), \(environment.sources.count) source checkouts)"
        case .checkedRunImage(let image)?: return "\(FilePath.lastComponent(image.path)) (image_id \(image.imageID ?? "none"), accepted by \(image.acceptedBy))"
        case .installed(let installed)?: return "\(installed.tree.fileCount) entries, \(installed.tree.totalSize) bytes, tree sha256 \(installed.tree.sha256.prefix(12))…"
        case .zipped(let zip)?: return "\(FilePath.lastComponent(zip.zip)) (\(zip.size) bytes, md5 \(zip.md5))"
        case .locatedDownload(let located)?: return "\(located.imageURL) (\(located.size) bytes, image_id \(located.imageID ?? "none"); \(located.choice))"
        case .fetchedImage(let fetched)?:
            return "\(fetched.bytes) bytes" + (fetched.resumedFrom.map { ", resumed from byte \($0)" } ?? "") + (fetched.restarted ? ", started over: the server's file had changed" : "")
        case .verifiedDownload(let verified)?: return "\(verified.output) (md5 \(verified.md5), sha256 \(verified.sha256.prefix(12))…)"
        case .virtualBox(let effect)?: return virtualBox(effect)
        case .importedImages(let imported)?: return "\(imported.images.count) image\(imported.images.count == 1 ? "" : "s") from \(imported.directory)"
        case .docker(let effect)?: return docker(effect)
        case .dockerPublication(let effect)?: return dockerPublication(effect)
        case .singularity(let effect)?: return singularity(effect)
        }
    }

    private static func singularity(_ effect: SingularityEffect) -> String {
        switch effect {
        case .converted(let image):
            return "\(FilePath.lastComponent(image.output)) from \(image.dockerImage)@\(image.manifestDigest.prefix(19))… (\(image.size) bytes"
                + (image.upToDateSince.map { ", up to date since run \($0.prefix(8))" } ?? (image.command.isEmpty ? ", found after an interruption" : "")) + ")"
        case .described(let images):
            return images.map { "\(FilePath.lastComponent($0.output)) (image_id \($0.imageID), md5 \($0.md5 ?? "?"))" }.joined(separator: ", ")
        }
    }

    private static func dockerPublication(_ effect: DockerPublicationEffect) -> String {
        switch effect {
        case .checkedRegistry(let repositories):
            return repositories.map { repository in
                repository.repository + " (" + (repository.tags.isEmpty ? "no tag yet" : repository.tags.sorted { $0.key < $1.key }
                    .map { "\($0.key) at \($0.value.prefix(19))…" }.joined(separator: ", ")) + ")"
            }.joined(separator: "; ")
        case .pushed(let image):
            return "\(image.repository)@\(image.manifestDigest.prefix(19))… (\(image.blobsUploaded.count) blob(s) sent, \(image.blobsPresent.count) already there, "
                + "\(image.bytesSent) bytes" + (image.bytesResumed > 0 ? ", resumed after \(image.bytesResumed)" : "") + ", \(image.requests) requests)"
        case .movedTags(let tags):
            return tags.map { $0.repository + ":" + $0.tag + ($0.alreadyThere ? " (already there)" : "") }.joined(separator: ", ")
        }
    }

    private static func docker(_ effect: DockerEffect) -> String {
        switch effect {
        case .renderedContexts(let contexts):
            return contexts.map { "\($0.reference) (context sha256 \($0.contextSHA256.prefix(12))…)" }.joined(separator: ", ")
        case .built(let image):
            return "\(image.fullReference) \(image.manifestDigest.prefix(19))… (\(image.layers.count) layer\(image.layers.count == 1 ? "" : "s"), \(image.size) bytes)"
                + (image.upToDateSince.map { ", up to date since run \($0.prefix(8))" } ?? "")
        case .tagged(let images), .described(let images):
            return images.map { $0.taggedReferences.joined(separator: ", ") }.joined(separator: "; ")
        }
    }

    private static func virtualBox(_ effect: VirtualBoxEffect) -> String {
        var parts: [String] = []
        if let version = effect.version { parts.append("VirtualBox \(version)") }
        if let file = effect.file {
            parts.append("\(FilePath.lastComponent(file.path)) (\(file.size) bytes" + (file.sha256.map { ", sha256 \($0.prefix(12))…" } ?? "")
                         + (file.url.map { ", from \($0)" } ?? "") + ")")
        }
        if let tree = effect.tree { parts.append("\(tree.files) entries, \(tree.bytes) bytes, tree sha256 \(tree.digest.prefix(12))…") }
        if let machine = effect.machine { parts.append("VM \(machine)" + (effect.powerState.map { " \($0)" } ?? "")) }
        if !effect.calls.isEmpty { parts.append("\(effect.calls.count) VBoxManage call\(effect.calls.count == 1 ? "" : "s"): " + effect.calls.map { $0.arguments.dropFirst().first ?? "" }.joined(separator: ", ")) }
        return parts.isEmpty ? "done" : parts.joined(separator: "; ")
    }
}

/// Plain text tables with aligned columns.
enum Table {
    static func render(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
