import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// Starts runs and reports how they ended: shared by every command that makes or resumes a run.
enum RunLauncher {
    /// The id of the run this process starts, chosen once, before anything is recorded, so that
    /// what the preflight checks leave on a target (a write probe) carries the run's token too.
    static let pendingRunID = UUID().uuidString.lowercased()

    /// Records a new run and drives it.
    /// `logRoot` is where run directories of logs go (`<base dir>/casa-release-logs`); `tools` adds
    /// the versions of the tools the run will use (apptainer) to the record.
    static func start(
        _ pipeline: PipelineKind, parameters: RunParameters, chosen: ChosenValues,
        ledger: Ledger, output: Output, transfers: TransferOptions, logRoot: String? = nil,
        tools: [String: String] = [:]
    ) throws -> Never {
        let runID = try record(
            pipeline, parameters: parameters, chosen: chosen, ledger: ledger, output: output,
            logRoot: logRoot, tools: tools)
        try drive(runID, ledger: ledger, output: output, transfers: transfers)
    }

    /// Records `RunStarted` for a new run, and returns its id: `runID`, by default the one this
    /// process chose first (a command that starts several runs gives each later one its own).
    static func record(
        _ pipeline: PipelineKind, parameters: RunParameters, chosen: ChosenValues, ledger: Ledger, output: Output,
        logRoot: String? = nil, tools: [String: String] = [:], runID: String = pendingRunID
    ) throws -> String {
        var chosen = chosen
        if let logRoot, chosen.logDirectory == nil { chosen.logDirectory = logRoot + "/" + runID }
        let started = RunStarted(
            runID: runID, pipeline: pipeline, steps: Pipeline.steps(of: pipeline, parameters),
            parameters: parameters, chosen: chosen, host: ProcessIdentity.host, user: ProcessIdentity.user,
            tools: ["casa-release": CasaRelease.version, "libcurl": CurlLibrary.version].merging(tools) { $1 })
        try ledger.execute(.start(started), run: runID, by: nil, actor: ProcessIdentity.actor, at: Date())
        output.note("run \(runID) (\(pipeline.rawValue))")
        return runID
    }

    /// Drives a recorded run and exits with the status its ending calls for.
    /// `asksOperator`: `resume` may ask on a terminal whether a waiting operator step is done.
    static func drive(
        _ runID: String, ledger: Ledger, output: Output, transfers: TransferOptions, asksOperator: Bool = false
    ) throws -> Never {
        let ending = try driveToEnd(
            runID, ledger: ledger, output: output, transfers: transfers, asksOperator: asksOperator)
        if ending == .completed { report(try ledger.state(of: runID), output: output) }
        try exit(runID, ending)
    }

    /// Drives a recorded run until it completes, fails or waits for an operator.
    static func driveToEnd(
        _ runID: String, ledger: Ledger, output: Output, transfers: TransferOptions,
        asksOperator: Bool = false
    ) throws -> RunDriver.Ending {
        var driver = RunDriver.live(ledger: ledger, runID: runID, output: output, transfers: transfers)
        driver.asksOperator = asksOperator
        do {
            return try driver.drive()
        } catch DomainError.runAlreadyCompleted {
            // Another process finished the run between this one's look and its lease: the run
            // is done, which is what was asked for.
            output.note("run \(runID) was completed by another process meanwhile: nothing to do")
            return .completed
        }
    }

    /// The exit a run's ending calls for.
    static func exit(_ runID: String, _ ending: RunDriver.Ending) throws -> Never {
        switch ending {
        case .completed:
            throw ExitCode(ExitStatus.done.rawValue)
        case .awaitingOperator:
            throw ExitCode(ExitStatus.awaitingOperator.rawValue)
        case .failed(let step, let kind, let message):
            throw CommandFailure(
                ExitStatus(kind),
                "step \(step) failed: \(message)\nthe run is recorded; fix the cause, then: casa-release resume \(runID)"
            )
        }
    }

    /// What a completed run made, in a sentence or two (or JSON).
    static func report(_ state: RunState, output: Output) {
        guard let (lines, summary) = summary(of: state) else { return }
        if output.json {
            try? output.emitJSON(summary)
        } else {
            lines.forEach(output.result)
        }
    }

    /// The lines `report` prints for a completed run, and its JSON summary.
    static func summary(of state: RunState) -> (lines: [String], json: [String: String])? {
        guard let runID = state.runID else { return nil }
        var lines: [String] = []
        var summary: [String: String] = ["run": runID, "status": state.status.rawValue]
        if let image = state.image, state.step(.describe) != nil {
            lines.append(
                "created \(image.image) (image_id \(image.imageID ?? "?"), \(image.size) bytes, md5 \(image.md5))")
            summary["image"] = image.image
            summary["image_id"] = image.imageID
            summary["md5"] = image.md5
            summary["sha256"] = image.sha256
        }
        if let publication = state.publicationStatus, let image = state.image {
            let names = PublishedNames(imageFileName: FilePath.lastComponent(image.image))
            let file = publication.buildNumber.map(names.image) ?? names.stem
            switch publication.state {
            case .upToDate: lines.append("\(file) is up to date on \(publication.target): nothing was copied")
            case .published: lines.append("published \(file) to \(publication.target)")
            default: lines.append("publication to \(publication.target): \(publication.state.rawValue)")
            }
            summary["target"] = publication.target
            summary["published_file"] = file
            summary["publication"] = publication.state.rawValue
            summary["build_number"] = publication.buildNumber.map(String.init)
        }
        if let downloaded = state.verifiedDownload, let located = state.locatedDownload {
            lines.append(
                downloaded.upToDate == true
                    ? "\(downloaded.output) is up to date: it is \(located.imageURL) (md5 \(downloaded.md5) checked); nothing was downloaded"
                    : "downloaded \(located.imageURL) to \(downloaded.output) (\(downloaded.size) bytes, md5 \(downloaded.md5) checked)"
            )
            summary["output"] = downloaded.output
            summary["url"] = located.imageURL
            summary["md5"] = downloaded.md5
            summary["sha256"] = downloaded.sha256
            summary["image_id"] = located.imageID
        }
        if case .docker(.described(let images))? = state.outcome(of: .describe) {
            for image in images {
                lines.append(
                    (image.upToDateSince.map { "\(image.fullReference) is up to date (built by run \($0))" }
                        ?? "built \(image.fullReference)")
                        + " \(image.manifestDigest), tags " + image.taggedReferences.joined(separator: ", "))
                summary["image " + image.fullReference] = image.manifestDigest
            }
        }
        if case .dockerPublication(.movedTags(let tags))? = state.outcome(of: .tagImages),
            let registry = state.parameters?.dockerPublication?.registry
        {
            for (digest, group) in Dictionary(grouping: tags, by: \.digest).sorted(by: { $0.key < $1.key }) {
                lines.append(
                    "published \(group.map { registry.reference($0.repository, $0.tag) }.joined(separator: ", ")) \(digest)"
                )
                for tag in group { summary["tag " + registry.reference(tag.repository, tag.tag)] = digest }
            }
        }
        for image in state.singularityImages ?? [] {
            lines.append(
                image.upToDateSince.map {
                    "\(image.output) is up to date (made by run \($0) from \(image.dockerImage) \(image.manifestDigest))"
                }
                    ?? "created \(image.output) from \(image.dockerImage) \(image.manifestDigest) (image_id \(image.imageID), \(image.size) bytes, md5 \(image.md5 ?? "?"))"
            )
            summary["sif " + image.output] = image.imageID
        }
        return (lines, summary)
    }
}
