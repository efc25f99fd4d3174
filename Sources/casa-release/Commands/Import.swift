import ArgumentParser
import Executors
import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release import DIR`
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record the casa-distro images of a directory (made before casa-release) with their sidecars' links.",
        discussion: """
        Each <image>.json sidecar of a .sif or .ova is read; the image beside it, when it is there, \
        is hashed and must match the sidecar's md5 and size. An image is recorded with its \
        image_id, md5, size, sha256 (when the file is there) and its sidecar's origin, origin_run \
        and origin_dev, so provenance chains reach it. An image the ledger already knows (same \
        image_id and md5) is not recorded again: importing a directory twice records nothing new. \
        Good images are recorded even when others are wrong; the wrong ones are listed, and the \
        exit status is then 65.
        """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The directory holding the images and their sidecars.")
    var directory: String

    struct Report: Encodable {
        var directory: String
        var runID: String?
        var imported: [ImportedImage]
        var skipped: [[String: String]]
        var problems: [[String: String]]
    }

    func run() throws {
        let output = Output(json: global.json)
        let path = Paths.absolute(directory)
        let scan = try ImportScanner.scan(path)
        let ledger = try global.openLedgerForWriting()
        let runID = UUID().uuidString.lowercased()
        let now = Date()
        let started = RunStarted(runID: runID, pipeline: .importImages, steps: Pipeline.definition(of: .importImages).steps.map(\.name),
                                 parameters: RunParameters(importImages: ImportParameters(directory: path),
                                                           commandLine: Redaction.commandLine(CommandLine.arguments)),
                                 chosen: ChosenValues(), host: ProcessIdentity.host, user: ProcessIdentity.user,
                                 tools: ["casa-release": CasaRelease.version])
        let imported = try ledger.recordImports(RecordImportsIntent(directory: path, images: scan.images), started: started,
                                                holder: ProcessIdentity.leaseHolder(now: now), actor: ProcessIdentity.actor, at: now)
        if global.json {
            try output.emitJSON(Report(directory: path, runID: imported.isEmpty ? nil : runID, imported: imported,
                                       skipped: scan.skipped.map { ["path": $0.path, "reason": $0.reason] },
                                       problems: scan.problems.map { ["path": $0.path, "reason": $0.reason] }))
        } else {
            for image in imported {
                var links: [String] = []
                for key in ["origin", "origin_run", "origin_dev"] {
                    if let value = image.sidecar[key]?.stringValue { links.append("\(key) \(value)") }
                }
                output.result("\(image.image)  image_id \(image.imageID ?? "?")  "
                              + (image.sha256.map { "sha256 \($0.prefix(12))…" } ?? "sidecar only (no image file)")
                              + (links.isEmpty ? "" : "  " + links.joined(separator: ", ")))
            }
            let known = scan.images.count - imported.count
            output.result(imported.isEmpty ? "nothing new to record in \(path)" + (known > 0 ? " (\(known) image\(known == 1 ? "" : "s") already recorded)" : "")
                          : "recorded \(imported.count) image\(imported.count == 1 ? "" : "s") from \(path) in run \(runID)"
                            + (known > 0 ? "; \(known) already recorded" : ""))
            for skipped in scan.skipped { output.note("skipped \(skipped.path): \(skipped.reason)") }
        }
        guard scan.problems.isEmpty else {
            for problem in scan.problems where !global.json { output.note("not imported: \(problem.path): \(problem.reason)") }
            throw CommandFailure(.badInput, "\(scan.problems.count) file\(scan.problems.count == 1 ? "" : "s") in \(path) could not be imported"
                                 + (global.json ? ": " + scan.problems.map { "\($0.path): \($0.reason)" }.joined(separator: "; ") : " (listed above)"))
        }
    }
}
