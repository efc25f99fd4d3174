import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release publish-singularity [image_names=PATTERNS] [target=URL]`
struct PublishSingularity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish-singularity", _superCommandName: DirectParse.superCommandName,
        abstract:
            "Publish the .sif files create-singularity made, each as <name>-<N>.sif with its sidecar, never half-visible.",
        usage: "casa-release publish-singularity [image_names=PATTERNS] [target=URL] [key=value ...]",
        discussion: """
            The latest .sif create-singularity made from each docker image whose <name>:<tag> \
            matches one of the comma-separated shell patterns (default *) is published with the \
            protocol of publish-base-image (claim of N, hidden upload, sidecar, verify, rename): \
            one publication run per image, in the order of their names, each resumable and rolled \
            back on its own. The first that fails stops the command with its exit status; those \
            published before it stay published, those after it are not started. An image already \
            on the target (same image_id and md5) is up to date.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions
    @OptionGroup var signing: SigningOptions

    @Option(
        name: .customLong("image-names"),
        help: "Comma-separated shell patterns over the docker images' <name>:<tag> (default *).")
    var imageNames: String = "*"

    @Option(
        help:
            "Where to publish: sftp://USER@HOST/DIR/, http(s)://HOST/DIR/ (WebDAV), file:///DIR/ or a directory (default: $CASA_RELEASE_PUBLISH_URL, else sftp://$BRAINVISA_PUBLISH_LOGIN@$BRAINVISA_PUBLISH_SERVER/$BRAINVISA_PUBLISH_DIR/)."
    )
    var target: String?

    func run() throws {
        let output = global.output
        let patterns = try ImagePatterns.parse(imageNames)
        let address = try TargetAddress.resolve(target)
        let key = try signing.openKey()
        let ledger = try global.openLedgerForWriting()
        let images = try ledger.latestSingularityImages().values.filter { image in
            let reference = String(image.dockerImage.dropFirst(DockerReference.namespace.count))
            return patterns.contains { DockerImagePlanner.matches($0, reference) }
        }.sorted { $0.dockerImage < $1.dockerImage }
        guard !images.isEmpty else {
            throw CommandFailure(
                .badInput,
                "no .sif made by create-singularity matches image_names=\(imageNames); make them first (casa-release create-singularity image_names=\(imageNames))"
            )
        }
        // Every image is checked before the first run starts: a stale one stops nothing half-way.
        for image in images where !SingularitySteps.isStill(image) {
            throw CommandFailure(
                .badInput,
                "\(image.output) is not the .sif create-singularity made from \(image.dockerImage) (changed, gone, or its sidecar no longer names image_id \(image.imageID)); run create-singularity image_names=\(imageNames) again"
            )
        }
        try TargetAddress.preflight(address, transfers: transfers)
        if let key { try SigningOptions.checkMirror(address, key: key.key, transfers: transfers) }
        output.note(
            "publishing \(images.map { FilePath.lastComponent($0.output) }.joined(separator: ", ")) to \(address)")

        var summaries: [[String: String]] = []
        // Every statement is read before the first run starts: an image without provenance stops nothing half-way.
        let statements = try images.map { image in
            try key.map { _ in try SignedProvenance.statement(of: image.output, in: ledger) }
        }
        for (position, image) in images.enumerated() {
            let parameters = RunParameters(
                publication: PublicationParameters(
                    target: address, image: image.output, sshKey: transfers.sshKeyPath, signingKey: key?.path,
                    signingKeyID: key?.key.verifyingKey.keyID),
                commandLine: Redaction.commandLine(CommandLine.arguments))
            let runID = try RunLauncher.record(
                .publication, parameters: parameters, chosen: ChosenValues(provenanceStatement: statements[position]),
                ledger: ledger, output: output,
                runID: position == 0 ? RunLauncher.pendingRunID : UUID().uuidString.lowercased())
            let ending = try RunLauncher.driveToEnd(runID, ledger: ledger, output: output, transfers: transfers)
            guard ending == .completed else {
                flush(summaries, output: output)
                let left = images.dropFirst(position + 1).map { FilePath.lastComponent($0.output) }
                if !left.isEmpty { output.note("not started: \(left.joined(separator: ", "))") }
                try RunLauncher.exit(runID, ending)
            }
            if let summary = RunReport(of: try ledger.state(of: runID)) {
                if !output.json { summary.lines.forEach(output.result) }
                summaries.append(summary.json)
            }
        }
        flush(summaries, output: output)
    }

    /// With --json, one array of the runs' summaries (the lines were printed as each run ended).
    private func flush(_ summaries: [[String: String]], output: Output) {
        if output.json { try? output.emitJSON(summaries) }
    }
}
