import ArgumentParser
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release audit environment=NAME` and `casa-release audit image=TARGET`
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", _superCommandName: DirectParse.superCommandName,
        abstract:
            "List every image made from a dev environment, or every image built on top of an image, with their publications.",
        discussion: """
            environment=NAME: the images whose runs read that environment (and imported images whose \
            origin_dev is one of its image_ids). image=TARGET: the images built on it, then on those \
            (TARGET as for provenance). Each image comes with its publications and their state.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "A developer environment's name.")
    var environment: String?

    @Option(help: "An image, named as for 'casa-release provenance'.")
    var image: String?

    struct Report: Encodable {
        var environment: String?
        var image: ImageRecord?
        var images: [AuditEntry]
    }

    func validate() throws {
        guard (environment == nil) != (image == nil) else {
            throw ValidationError("audit takes one of environment=NAME or image=TARGET")
        }
        if let environment, environment.isEmpty { throw ValidationError("environment= needs a name") }
    }

    func run() throws {
        let ledger = try global.openLedgerForReading()
        let output = global.output
        let report: Report
        if let environment {
            let entries = try ledger.audit(environment: environment)
            if entries.isEmpty {
                let known = try ledger.environmentNames()
                throw CommandFailure(
                    .badInput,
                    "no image in this ledger was made from environment \(environment)"
                        + (known.isEmpty
                            ? " (no user image recorded yet)"
                            : " (environments with images: \(known.joined(separator: ", ")))"))
            }
            report = Report(environment: environment, image: nil, images: entries)
        } else {
            let subject = try ImageTarget.resolve(image ?? "", in: ledger)
            report = Report(environment: nil, image: subject, images: try ledger.audit(dependentsOf: subject))
        }
        if global.json { return try output.emitJSON(report) }
        if let environment = report.environment {
            output.result(
                "\(report.images.count) image\(report.images.count == 1 ? "" : "s") made from environment \(environment):"
            )
        } else if let subject = report.image {
            output.result(
                report.images.isEmpty
                    ? "nothing recorded in this ledger was built on \(subject.path)"
                    : "\(report.images.count) image\(report.images.count == 1 ? "" : "s") built on \(subject.path):")
        }
        for entry in report.images {
            let indent = String(repeating: "  ", count: entry.depth)
            var line =
                "\(indent)\(entry.image.path)  [\(entry.via)]  \(entry.image.origin.rawValue) by run \(entry.image.runID) \(entry.image.recordedAt)"
            if let imageID = entry.image.imageID { line += "  image_id \(imageID)" }
            output.result(line)
            if entry.publications.isEmpty { output.result("\(indent)  not published") }
            for publication in entry.publications {
                output.result("\(indent)  " + ProvenanceText.describe(publication))
            }
        }
    }
}
