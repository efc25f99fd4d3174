import ArgumentParser
import Executors
import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release verify [--artifacts]`
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Walk the ledger's hash chain; with --artifacts, check every recorded local file too (exit 65 on a mismatch).",
        discussion: """
        --artifacts checks each local file the ledger recorded (images, sidecars, bases), by its last
        record: an image is read again and its sha256 and md5 compared; a sidecar must still name
        the same image_id; a file recorded with only a size is checked by its size. It reports
        every file missing or changed.
        """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Also check that every recorded local file is present with its recorded digests.")
    var artifacts = false

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
        var artifacts: [ArtifactReport]?
    }

    func run() throws {
        let ledger = try global.openLedgerForReading()
        let output = Output(json: global.json)
        let chain = try ledger.verifyChain()
        var checkedArtifacts: [ArtifactReport]?
        if artifacts {
            checkedArtifacts = try ledger.recordedArtifacts().map { artifact in
                switch ArtifactCheck.check(path: artifact.path, role: artifact.role, imageID: artifact.imageID, size: artifact.size,
                                           md5: artifact.md5, sha256: artifact.sha256) {
                case .intact: return ArtifactReport(path: artifact.path, role: artifact.role, runID: artifact.runID, state: "intact")
                case .missing: return ArtifactReport(path: artifact.path, role: artifact.role, runID: artifact.runID, state: "missing")
                case .changed(let reason):
                    return ArtifactReport(path: artifact.path, role: artifact.role, runID: artifact.runID, state: "changed", reason: reason)
                }
            }
        }
        let bad = (checkedArtifacts ?? []).filter { $0.state != "intact" }
        if global.json {
            try output.emitJSON(Report(ledger: ledger.path, checked: chain.checked, intact: chain.firstMismatch == nil && bad.isEmpty,
                                       firstMismatch: chain.firstMismatch?.sequence, reason: chain.firstMismatch?.reason,
                                       artifacts: checkedArtifacts))
            if chain.firstMismatch != nil || !bad.isEmpty { throw ExitCode(ExitStatus.badInput.rawValue) }
            return
        }
        if let mismatch = chain.firstMismatch {
            throw CommandFailure(.badInput, "event \(mismatch.sequence) of \(ledger.path) does not match: \(mismatch.reason) (\(chain.checked) events before it are intact)")
        }
        output.result("verified \(chain.checked) events in \(ledger.path): the hash chain is intact")
        guard let checkedArtifacts else { return }
        for artifact in bad {
            output.result("\(artifact.state): \(artifact.path) (\(artifact.role) of run \(artifact.runID))" + (artifact.reason.map { ": \($0)" } ?? ""))
        }
        if !bad.isEmpty {
            throw CommandFailure(.badInput, "\(bad.count) of \(checkedArtifacts.count) recorded local files are missing or changed")
        }
        output.result("checked \(checkedArtifacts.count) recorded local files: all present with their recorded digests")
    }
}
