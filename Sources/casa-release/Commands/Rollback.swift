import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release rollback RUN|FILE [keep=yes] [--yes]`
struct Rollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", _superCommandName: DirectParse.superCommandName,
        abstract:
            "Take back a run's publication: retract a completed one from the server, or remove what an unfinished one left there.",
        discussion: """
            A completed publication is retracted: <name>-<N>.<ext> and its sidecar leave the server (or move into \
            attic/ there with keep=yes), the local numbered links are removed, and the ledger records it; the \
            previous N is then the highest again. An unfinished publication loses its hidden claim and upload, and \
            the run can be resumed to publish again. On a terminal, rollback asks first; --yes skips the question.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions

    @Argument(
        help: "The run id (or a unique prefix), or the published file name (casa-run-5.4-3.sif).",
        completion: ShellCompletion.runIDs)
    var publication: String

    @Option(help: "yes: move the files into attic/ on the server instead of removing them.")
    var keep = StrictBool(false)

    @Flag(name: [.customShort("y"), .customLong("yes")], help: "Do not ask for confirmation.")
    var yes = false

    func run() throws {
        let ledger = try global.openExistingLedgerForWriting()
        let output = global.output
        let runID = try resolve(publication, in: ledger)
        let state = try ledger.state(of: runID)
        if state.started?.pipeline == .dockerPublication {
            return try rollBackDocker(state, runID: runID, ledger: ledger, output: output)
        }
        guard let status = state.publicationStatus else {
            throw CommandFailure(.badInput, "run \(runID) publishes nothing: there is nothing to roll back")
        }
        switch status.state {
        case .retracted:
            let retraction = state.retraction
            output.result(
                "the publication of run \(runID) (build \(status.buildNumber.map(String.init) ?? "?") on \(status.target)) was already retracted by \(retraction?.by ?? "?"): nothing to do"
            )
        case .upToDate:
            throw CommandFailure(
                .badInput,
                "run \(runID) published nothing: build \(status.buildNumber.map(String.init) ?? "?") was already on \(status.target), put there by another run; roll that one back"
            )
        case .published:
            guard state.isCompleted else {
                throw CommandFailure(
                    .badInput, "run \(runID) made its image visible but is not finished; resume it, then roll it back")
            }
            try retract(state, runID: runID, ledger: ledger, output: output)
        case .rolledBack where !state.rollbackDue:
            output.result(
                "the unfinished publication of run \(runID) was already rolled back: nothing of it is on \(status.target); casa-release resume \(runID) publishes again"
            )
        case .inProgress, .rolledBack:
            try rollBackUnfinished(state, runID: runID, ledger: ledger, output: output)
        }
    }

    private func resolve(_ text: String, in ledger: Ledger) throws -> String {
        if text.contains(".") {
            let runs = try ledger.runsPublishing(file: text)
            switch runs.count {
            case 0:
                if let importRun = try ledger.importsRecording(file: text).first {
                    throw CommandFailure(
                        .usage,
                        "\(text) was published before casa-release (import run \(importRun) recorded it): casa-release rolls back only its own publications; remove it on the server by hand"
                    )
                }
                throw CommandFailure(.usage, "no recorded publication put \(text) on a server")
            case 1: return runs[0]
            default:
                throw CommandFailure(
                    .usage, "\(text) was published by several runs (\(runs.joined(separator: ", "))): give the run id")
            }
        }
        return try ledger.resolveRunID(text)
    }

    /// Retracts a completed publication, after asking.
    private func retract(_ state: RunState, runID: String, ledger: Ledger, output: Output) throws {
        guard let image = state.image, let number = state.buildNumber,
            let target = state.parameters?.publication?.target
        else {
            throw CommandFailure(
                .internalError, "run \(runID) is published but its image or build number is not recorded")
        }
        let names = PublishedNames(imageFileName: FilePath.lastComponent(image.image))
        let files = [names.image(number), names.sidecar(number)] + (state.attestation.map { [$0.name] } ?? [])
        let what = files.dropLast().joined(separator: ", ") + " and \(files.last ?? "") on \(target)"
        try confirm(keep.value ? "move \(what) into attic/ there" : "remove \(what)")
        let settings = transfers.settings(recordedSSHKey: state.parameters?.publication?.sshKey)
        // TUF clients stop seeing the files before they go: the metadata first, re-signed.
        if case .publication(.updateMirror(let listed))? = state.step(.updateMirror)?.intent,
            state.step(.updateMirror)?.status == .succeeded
        {
            do {
                let rewritten = try MirrorMetadataStep.remove(
                    Set([listed.image] + listed.companions),
                    on: try PublicationTargets.open(target, transfers: settings),
                    signingKey: listed.signingKey, keyID: listed.keyID, owner: runID,
                    environment: ProcessInfo.processInfo.environment)
                if !rewritten.isEmpty {
                    output.progress("took the files out of the TUF metadata: \(rewritten.joined(separator: ", "))")
                }
            } catch let error as ExecutorError where error.kind == .temporary {
                throw CommandFailure(
                    .unavailable,
                    "cannot take run \(runID)'s files out of the TUF metadata on \(target): \(error.message); nothing was retracted"
                )
            }
        }
        let result = try PublicationRetraction.retract(
            image: names.image(number), sidecar: names.sidecar(number), attestation: state.attestation?.name,
            imageID: image.imageID, md5: image.md5,
            size: image.size, keep: keep.value, runID: runID,
            on: try PublicationTargets.open(target, transfers: settings))
        var links: [LocalLink] = []
        if case .publication(.recordPublication(let intent))? = state.step(.record)?.intent { links = intent.links }
        let unlinked = try PublicationRetraction.removeLocalLinks(links)
        let retraction = PublicationRetracted(
            target: target, buildNumber: number, removed: result.removed, movedToAttic: result.movedToAttic,
            localLinksRemoved: unlinked, by: ProcessIdentity.actor, reason: nil)
        try ledger.execute(
            .retractPublication(retraction), run: runID, by: nil, actor: ProcessIdentity.actor, at: Date())
        let done =
            result.removed.map { "removed \($0)" }
            + result.movedToAttic.sorted { $0.key < $1.key }.map { "moved \($0.key) to \($0.value)" }
        output.result(
            "retracted build \(number) of run \(runID) from \(target): "
                + (done.isEmpty ? "its files were already gone" : done.joined(separator: ", "))
                + (unlinked.isEmpty ? "" : "; removed \(unlinked.count) local link(s)"))
    }

    /// Removes what an unfinished publication left on the target, with the run's lease, so that
    /// a resume publishes again from the start.
    private func rollBackUnfinished(_ state: RunState, runID: String, ledger: Ledger, output: Output) throws {
        guard state.steps.contains(where: { Pipeline.publicationSteps.contains($0.name) && $0.intent != nil }) else {
            output.result("the publication of run \(runID) has not started: nothing to roll back")
            return
        }
        try confirm(
            "remove the hidden claim and upload of run \(runID) from \(state.parameters?.publication?.target ?? "?")")
        try RunDriver.live(ledger: ledger, runID: runID, output: output, transfers: transfers)
            .withLease { driver in
                try driver.rollBack(try ledger.state(of: runID), reason: "rolled back by \(ProcessIdentity.actor)")
            }
        output.result(
            "rolled back the unfinished publication of run \(runID); casa-release resume \(runID) publishes again")
    }

    /// Puts back the tags a publish-docker run moved (finished or not), and records what it did.
    private func rollBackDocker(_ state: RunState, runID: String, ledger: Ledger, output: Output) throws {
        guard case .dockerPublication(.moveTags(let intent))? = state.step(.tagImages)?.intent else {
            output.result("run \(runID) has not moved any tag yet: nothing of it is visible, nothing to roll back")
            return
        }
        if state.isCompleted, let done = state.dockerRetraction {
            output.result("the tags of run \(runID) were already put back by \(done.by): nothing to do")
            return
        }
        try confirm(
            "put back the tags run \(runID) moved on \(intent.registry.host) (\(intent.moves.map(\.reference).joined(separator: ", ")))"
        )
        let settings = transfers.settings(recordedSSHKey: nil)
        let restored: DockerTagsRestored
        if state.isCompleted {
            restored = try DockerPublicationRetraction.restore(
                intent, transfers: settings, by: ProcessIdentity.actor, reason: nil)
            try ledger.execute(
                .restoreDockerTags(restored), run: runID, by: nil, actor: ProcessIdentity.actor, at: Date())
        } else {
            restored = try RunDriver.live(ledger: ledger, runID: runID, output: output, transfers: transfers).withLease
            {
                driver in
                let restored = try DockerPublicationRetraction.restore(
                    intent, transfers: settings, by: ProcessIdentity.actor,
                    reason: "rolled back before the run finished")
                try driver.recordDockerRestore(restored)
                return restored
            }
        }
        var parts = restored.restored.sorted { $0.key < $1.key }.map { "\($0.key) back to \($0.value)" }
        parts += restored.removed.map { "removed \($0)" }
        output.result(
            "rolled back run \(runID) on \(intent.registry.host): "
                + (parts.isEmpty ? "no tag of it was there any more" : parts.joined(separator: ", ")))
        for (tag, why) in restored.left.sorted(by: { $0.key < $1.key }) { output.note("left \(tag): \(why)") }
        if !state.isCompleted { output.note("casa-release resume \(runID) moves the tags again") }
    }

    /// Asks on a terminal; elsewhere --yes is required, so that a script never retracts by accident.
    private func confirm(_ action: String) throws {
        if yes { return }
        guard isatty(STDIN_FILENO) == 1 else {
            throw CommandFailure(
                .usage, "rollback would \(action); it asks first, and standard input is not a terminal: add --yes")
        }
        StandardStreams.error("casa-release: \(action)? [y/N] ")
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard answer == "y" || answer == "yes" else {
            throw CommandFailure(.stepFailed, "nothing was rolled back")
        }
    }
}
