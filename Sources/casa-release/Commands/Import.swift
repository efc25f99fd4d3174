import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release import DIR`
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", _superCommandName: DirectParse.superCommandName,
        abstract:
            "Record the casa-distro images of a directory or a server (made before casa-release) with their links and publications.",
        usage: "casa-release import DIR [target=URL] [mirror_of=URL]\n       casa-release import URL",
        discussion: """
            Each <image>.json sidecar of a .sif or .ova is read; the image beside it, when it is there, \
            is hashed and must match the sidecar's md5 and size. An image is recorded with its \
            image_id, md5, size, sha256 (when the file is there) and its sidecar's origin, origin_run \
            and origin_dev, so provenance chains reach it.

            Where it was published is recorded too, so that provenance casa-run-5.4-1.sif finds it: \
            casa-distro's links <name>-<N>.sif -> <name>.sif, made once an upload succeeded, say it \
            was published as <name>-<N>.sif on target= (default: casa-distro's server, from \
            $CASA_RELEASE_PUBLISH_URL or $BRAINVISA_PUBLISH_LOGIN/SERVER/DIR, as for publication). \
            A build_number in a sidecar without its link is not taken as a publication (casa-distro \
            writes it before uploading); it is noted. With mirror_of=URL, DIR is a copy of that \
            published directory: each image in it was published there under its own name. A URL \
            (http(s), sftp, file://) is read as a published directory: its listing and sidecars are \
            read, and each image recorded as published there, with the sidecar's md5 and size (the \
            images are not downloaded).

            An image the ledger already knows (same image_id and md5) is recorded again only for a \
            publication it does not know: importing twice records nothing new. Good images are \
            recorded even when others are wrong; the wrong ones are listed, and the exit status is \
            then 65.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions

    @Argument(help: "The directory holding the images and their sidecars, or a published directory's URL.")
    var directory: String

    @Option(help: "Where casa-distro's -N links say the images were published (default: casa-distro's server).")
    var target: String?

    @Option(name: .customLong("mirror-of"), help: "The published directory (a URL) DIR is a copy of.")
    var mirrorOf: String?

    struct Report: Encodable {
        var directory: String
        var runID: String?
        var imported: [ImportedImage]
        var skipped: [[String: String]]
        var notes: [[String: String]]
        var problems: [[String: String]]
    }

    func validate() throws {
        if URLArgument.looksLikeURL(directory), target != nil || mirrorOf != nil {
            throw ValidationError(
                "target= and mirror_of= are for a local directory; a URL is itself where its images were published")
        }
    }

    func run() throws {
        let output = global.output
        ProgressLines.enabled = transfers.progressShown(json: global.json)
        let path: String
        let scan: ImportScanner.Scan
        if URLArgument.looksLikeURL(directory) {
            try URLArgument.check(directory, option: "the directory", schemes: ["http", "https", "sftp", "file"])
            path = RemoteDirectory(URLRedaction.url(URLPasswords.rememberForThisProcess(directory))).base
            scan = try ImportScanner.scanPublished(path, transfers: transfers.settings())
        } else {
            path = Paths.absolute(directory)
            // A published directory is named as a target is: a URL, or a path (a file:// URL).
            let mirror = try mirrorOf.map { given -> String in
                guard !given.isEmpty else {
                    throw CommandFailure(.usage, "mirror_of= needs the published directory's URL")
                }
                return try TargetAddress.resolve(given)
            }
            let places = ImportScanner.PublicationPlaces(
                linksTarget: try TargetAddress.resolve(target), mirrorOf: mirror)
            scan = try ImportScanner.scan(path, places: places)
        }
        let ledger = try global.openLedgerForWriting()
        let runID = UUID().uuidString.lowercased()
        let now = Date()
        let started = RunStarted(
            runID: runID, pipeline: .importImages, steps: Pipeline.definition(of: .importImages).steps.map(\.name),
            parameters: RunParameters(
                .importImages(ImportParameters(directory: path)),
                commandLine: Redaction.commandLine(CommandLine.arguments)),
            chosen: ChosenValues(), host: ProcessIdentity.host, user: ProcessIdentity.user,
            tools: ["casa-release": CasaRelease.version])
        let imported = try ledger.recordImports(
            RecordImportsIntent(directory: path, images: scan.images), started: started,
            holder: ProcessIdentity.leaseHolder(now: now), actor: ProcessIdentity.actor, at: now)
        if global.json {
            try output.emitJSON(
                Report(
                    directory: path, runID: imported.isEmpty ? nil : runID, imported: imported,
                    skipped: scan.skipped.map { ["path": $0.path, "reason": $0.reason] },
                    notes: scan.notes.map { ["path": $0.path, "reason": $0.reason] },
                    problems: scan.problems.map { ["path": $0.path, "reason": $0.reason] }))
        } else {
            for image in imported {
                var links: [String] = []
                for key in ["origin", "origin_run", "origin_dev"] {
                    if let value = image.sidecar[key]?.stringValue { links.append("\(key) \(value)") }
                }
                output.result(
                    "\(image.image)  image_id \(image.imageID ?? "?")  "
                        + (image.sha256.map { "sha256 \($0.prefix(12))…" } ?? "sidecar only (no image file)")
                        + (links.isEmpty ? "" : "  " + links.joined(separator: ", ")))
                for publication in image.publications ?? [] {
                    output.result(
                        "  published as \(RemoteDirectory(publication.target).url(publication.file))"
                            + (publication.buildNumber.map { " (build \($0))" } ?? "")
                            + "; evidence: \(publication.evidence)")
                }
            }
            let known = scan.images.filter { image in
                !imported.contains { $0.imageID == image.imageID && $0.md5 == image.md5 }
            }.count
            output.result(
                imported.isEmpty
                    ? "nothing new to record in \(path)"
                        + (known > 0 ? " (\(known) image\(known == 1 ? "" : "s") already recorded)" : "")
                    : "recorded \(imported.count) image\(imported.count == 1 ? "" : "s") from \(path) in run \(runID)"
                        + (known > 0 ? "; \(known) already recorded" : ""))
            for skipped in scan.skipped { output.note("skipped \(skipped.path): \(skipped.reason)") }
            for note in scan.notes { output.note("note: \(note.path): \(note.reason)") }
        }
        guard scan.problems.isEmpty else {
            for problem in scan.problems where !global.json {
                output.note("not imported: \(problem.path): \(problem.reason)")
            }
            throw CommandFailure(
                .badInput,
                "\(scan.problems.count) file\(scan.problems.count == 1 ? "" : "s") in \(path) could not be imported"
                    + (global.json
                        ? ": " + scan.problems.map { "\($0.path): \($0.reason)" }.joined(separator: "; ")
                        : " (listed above)"))
        }
    }
}
