import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release verify [--artifacts]`
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", _superCommandName: DirectParse.superCommandName,
        abstract:
            "Check the ledger: its hash chain, its end against the head anchor, every projection against the events; with --artifacts, every recorded local file too (exit 65 on a mismatch).",
        discussion: """
            The hash chain proves no event was changed or removed inside the log. The head anchor \
            (<ledger>.head, rewritten after each commit) names the last event recorded, so a log cut \
            at its end or replaced by an older copy is found. Every projection table (runs, steps, \
            artifacts, publications, run_outputs, run_inputs) is rebuilt from the events \
            and compared row by row with the ledger's: a row edited by hand is named, and \
            'casa-release rebuild-projections' repairs it from the events. --chain-only checks the \
            chain and the anchor alone: what a reader of the log can check without casa-release, \
            in a tenth of the time.

            A verify that finds nothing remembers each run's event count and the digest of its \
            rows, in $XDG_CACHE_HOME/casa-release/verified/ (else ~/.cache/...): the next one \
            walks the whole chain again but replays only the runs with new events or other rows. \
            --full replays every run.

            --artifacts checks each local file the ledger recorded (images, sidecars, bases), by its last \
            record: an image is read again and its sha256 and md5 compared; a sidecar must still name \
            the same image_id; a file recorded with only a size is checked by its size. It reports \
            every file missing or changed.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Also check that every recorded local file is present with its recorded digests.")
    var artifacts = false

    @Flag(
        name: .customLong("chain-only"),
        help: "Only the hash chain and the head anchor, not the projections (a tenth of the time on a big ledger).")
    var chainOnly = false

    @Flag(
        help:
            "Replay every run, not only those changed since the last verify of this ledger by this user (its checkpoint is then made anew)."
    )
    var full = false

    struct ArtifactReport: Encodable {
        var path: String
        var role: String
        var runID: String
        var state: String
        var reason: String?
    }

    struct Report: Encodable {
        var ledger: String
        var checked: Int
        var intact: Bool
        var firstMismatch: Int64?
        var reason: String?
        var anchor: String
        var projectionDifferences: [String]
        var replayedRuns: Int
        var rememberedRuns: Int
        var artifacts: [ArtifactReport]?
    }

    func run() throws {
        let ledger = try global.openLedgerForReading()
        let output = global.output
        let checkpointPath = VerificationCheckpoint.location(
            forLedger: ledger.path, environment: ProcessInfo.processInfo.environment)
        let verification =
            chainOnly
            ? FullVerification.chainAlone(try ledger.verifyChain())
            : try ledger.verifyChainAndProjections(
                from: full ? nil : checkpointPath.flatMap(VerificationCheckpoint.load(from:)))
        let (chain, differences) = (verification.chain, verification.differences)
        let anchor = try ledger.checkAnchor()
        var checkedArtifacts: [ArtifactReport]?
        if artifacts {
            checkedArtifacts = try ledger.recordedArtifacts().map { artifact in
                switch ArtifactCheck.check(
                    path: artifact.path, role: artifact.role, imageID: artifact.imageID, size: artifact.size,
                    md5: artifact.md5, sha256: artifact.sha256)
                {
                case .intact:
                    return ArtifactReport(
                        path: artifact.path, role: artifact.role, runID: artifact.runID, state: "intact")
                case .missing:
                    return ArtifactReport(
                        path: artifact.path, role: artifact.role, runID: artifact.runID, state: "missing")
                case .changed(let reason):
                    return ArtifactReport(
                        path: artifact.path, role: artifact.role, runID: artifact.runID, state: "changed",
                        reason: reason)
                }
            }
        }
        let bad = (checkedArtifacts ?? []).filter { $0.state != "intact" }
        var anchorMismatch: String?
        let anchorText: String
        switch anchor {
        case .absent: anchorText = "absent"
        case .agrees(let head): anchorText = "agrees (event \(head.sequence))"
        case .mismatch(let reason): anchorText = "mismatch"; anchorMismatch = reason
        }
        let intact = chain.firstMismatch == nil && anchorMismatch == nil && differences.isEmpty && bad.isEmpty
        // Remembered only of a log found whole: the next verify replays the runs that moved since.
        if anchorMismatch == nil, let checkpoint = verification.checkpoint, let checkpointPath {
            do {
                try checkpoint.save(to: checkpointPath)
            } catch {
                output.note(
                    "the verification's checkpoint could not be kept (\(ErrorText.line(error))): the next verify replays every run"
                )
            }
        }
        if global.json {
            try output.emitJSON(
                Report(
                    ledger: ledger.path, checked: chain.checked, intact: intact,
                    firstMismatch: chain.firstMismatch?.sequence, reason: chain.firstMismatch?.reason ?? anchorMismatch,
                    anchor: anchorText, projectionDifferences: differences.map(\.description),
                    replayedRuns: verification.replayedRuns, rememberedRuns: verification.rememberedRuns,
                    artifacts: checkedArtifacts))
            if !intact { throw ExitCode(ExitStatus.badInput.rawValue) }
            return
        }
        if let mismatch = chain.firstMismatch {
            throw CommandFailure(
                .badInput,
                "event \(mismatch.sequence) of \(ledger.path) does not match: \(mismatch.reason) (\(chain.checked) events before it are intact)"
            )
        }
        if let anchorMismatch {
            throw CommandFailure(.badInput, "\(ledger.path): \(anchorMismatch)")
        }
        if !differences.isEmpty {
            for difference in differences { output.result("projection differs: \(difference)") }
            throw CommandFailure(
                .badInput,
                "\(ledger.path): the projection tables do not match the events (first: \(differences[0])); 'casa-release rebuild-projections' rebuilds them from the events"
            )
        }
        output.result(
            "verified \(chain.checked) events in \(ledger.path): the hash chain is intact"
                + (chainOnly
                    ? " (the projections were not checked: --chain-only)" : ", every projection matches the events"))
        if verification.rememberedRuns > 0 {
            output.note(
                "runs found as the last verify left them (the same events, rows of the same digest), not replayed: \(verification.rememberedRuns); replayed and compared: \(verification.replayedRuns) (--full replays them all)"
            )
        }
        if case .absent = anchor, chain.checked > 0 {
            output.note(
                "no head anchor beside the ledger (\(ChainAnchor.path(for: ledger.path))): whether events are missing at its end cannot be told; the next write creates one"
            )
        }
        guard let checkedArtifacts else { return }
        for artifact in bad {
            output.result(
                "\(artifact.state): \(artifact.path) (\(artifact.role) of run \(artifact.runID))"
                    + (artifact.reason.map { ": \($0)" } ?? ""))
        }
        if !bad.isEmpty {
            throw CommandFailure(
                .badInput, "\(bad.count) of \(checkedArtifacts.count) recorded local files are missing or changed")
        }
        output.result("checked \(checkedArtifacts.count) recorded local files: all present with their recorded digests")
    }
}

/// `casa-release rebuild-projections`: the operator's repair after `verify` found a projection
/// row that does not match the events (or to upgrade a ledger written by an older version).
struct RebuildProjections: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild-projections", _superCommandName: DirectParse.superCommandName,
        abstract:
            "Rebuild every projection table from the events (after 'verify' named a difference, or to upgrade an older ledger); writes no event.",
        discussion: """
            Applies the migrations the ledger lacks, then rebuilds runs, steps, artifacts, \
            publications, run_outputs and run_inputs from the event log in one transaction. The \
            events are the truth: nothing in them is changed. A ledger whose hash chain is broken is \
            refused: rebuilding would give a forged history the look of a good one.
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let ledger = try global.openExistingLedgerForWriting()
        let output = global.output
        let chain = try ledger.verifyChain()
        if let mismatch = chain.firstMismatch {
            throw CommandFailure(
                .badInput,
                "event \(mismatch.sequence) of \(ledger.path) does not match: \(mismatch.reason); the projections are not rebuilt from a broken chain"
            )
        }
        let differences = try ledger.checkProjections(limit: Int.max)
        try ledger.rebuildProjections()
        if global.json {
            try output.emitJSON([
                "ledger": ledger.path, "events": String(chain.checked), "rows_repaired": String(differences.count),
            ])
            return
        }
        for difference in differences.prefix(20) { output.result("repaired: \(difference)") }
        output.result(
            "rebuilt the projections of \(ledger.path) from \(chain.checked) events (\(differences.count) differences repaired)"
        )
    }
}
