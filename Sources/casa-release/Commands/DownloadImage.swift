import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release download-image [type=run image_version=5.4 | filename=NAME] [url=...] [output=...]`
struct DownloadImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download-image", _superCommandName: DirectParse.superCommandName,
        abstract:
            "Download an image and its sidecar from the BrainVISA server, resumable, checked against the sidecar's md5.",
        usage: "casa-release download_image [type=run] [image_version=V] [filename=NAME] [url=URL] [key=value ...]",
        discussion: """
            Without filename=, the highest numbered build of type= (and image_version=, when given) in the server's \
            listing is taken. The image goes to <output>.part first, goes on from there after an interruption when \
            the server shows the same file, and is renamed into place only once its md5 (and sha256, when the \
            sidecar has one) matches. The download is recorded in the ledger. The same command run again after \
            a kill takes over the run it interrupted (a failed run is left to resume: a new command starts afresh).
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var transfers: TransferOptions

    @Option(
        help:
            "Image type (system, run, dev, pixi), to choose from the listing when no filename is given (default run).",
        completion: ShellCompletion.imageTypes)
    var type: String?

    @Option(help: "The file to download (casa-run-5.4-3.sif).")
    var filename: String?

    @Option(name: .customLong("image-version"), help: "The version to choose from the listing (default: the highest).")
    var imageVersion: String?

    @Option(help: "The directory the images are listed in (default https://$BRAINVISA_PUBLISH_SERVER/download).")
    var url: String?

    @Option(help: "Where the image goes (default <base dir>/<filename>); its sidecar goes beside it.")
    var output: String?

    @Option(
        name: .customLong("container-type"), help: "singularity or apptainer (.sif), or vbox (.ova).",
        completion: ShellCompletion.containerTypes)
    var containerType = "singularity"

    @Option(help: "yes: replace an existing output.")
    var force = StrictBool(false)

    @Option(
        help:
            "The mirror's TUF root to trust (its 1.root.json, obtained from a trusted place). Default: the root this ledger pinned for the URL on an earlier download, else the mirror's own, trusted on first use and pinned."
    )
    var root: String?

    func validate() throws {
        if let type, !["system", "run", "dev", "pixi"].contains(type) {
            throw ValidationError("type must be system, run, dev or pixi, not '\(type)'")
        }
        guard ["singularity", "apptainer", "vbox"].contains(containerType) else {
            throw ValidationError("container_type must be singularity, apptainer or vbox, not '\(containerType)'")
        }
        if let filename, filename.isEmpty || filename.contains("/") || filename == "." || filename == ".." {
            throw ValidationError("filename must be a file name, not '\(filename)'")
        }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let server = environment["BRAINVISA_PUBLISH_SERVER"].flatMap { $0.isEmpty ? nil : $0 } ?? "brainvisa.info"
        if let url { try URLArgument.check(url, option: "url=", schemes: ["http", "https", "sftp", "file"]) }
        let source =
            url.map { URLArgument.looksLikeURL($0) ? $0 : "file://" + Paths.absolute($0) }
            ?? "https://\(server)/download"
        let outputPath = output.map(Paths.absolute)
        let rootPath = root.map(Paths.absolute)
        if let rootPath, FileManager.default.contents(atPath: rootPath) == nil {
            throw CommandFailure(.badInput, "cannot read the TUF root \(rootPath) (root=)")
        }
        if let outputPath { try OutputFile.check(outputPath, force: force.value, existingIsChecked: true) }
        let parameters = RunParameters(
            .download(
                DownloadParameters(
                    url: URLPasswords.rememberForThisProcess(source), filename: filename, type: type,
                    imageVersion: imageVersion,
                    fileExtension: containerType == "vbox" ? "ova" : "sif", output: outputPath,
                    baseDirectory: global.resolvedBaseDirectory, force: force.value, root: rootPath)),
            commandLine: Redaction.commandLine(CommandLine.arguments))
        let ledger = try global.openLedgerForWriting()
        // The same command run again after a kill takes its run over (the same output, the same
        // server file, the partial file kept) rather than starting a second run beside a dead
        // one. A run still held by a live process refuses, as resume does (75).
        if let unfinished = try ledger.interruptedRuns(of: .downloadImage).first(where: {
            $0.parameters.download == parameters.download
        }) {
            let state = try ledger.state(of: unfinished.runID)
            let chosen = state.locatedDownload.map { " (\($0.filename))" } ?? ""
            let output = global.output
            output.note("taking over run \(unfinished.runID), which downloads the same\(chosen) and was interrupted")
            try RunLauncher.drive(unfinished.runID, ledger: ledger, output: output, transfers: transfers)
        }
        var chosen = ChosenValues()
        let seen = try Self.mirrorSeen(for: parameters.download?.url, in: ledger)
        if rootPath == nil { chosen.mirrorRootSHA256 = seen.pinnedRoot }
        chosen.mirrorVersionsSeen = seen.versions
        try RunLauncher.start(
            .downloadImage, parameters: parameters, chosen: chosen, ledger: ledger,
            output: global.output, transfers: transfers)
    }

    /// What earlier completed downloads of this ledger verified of the mirror at `url`: the TUF
    /// root the latest trusted (the mirror is then held to it: trust on first use, then pinned),
    /// and the highest version of each role seen under that root (none may go back).
    static func mirrorSeen(
        for url: String?, in ledger: Ledger
    ) throws -> (pinnedRoot: String?, versions: MirrorVersions?) {
        guard let url else { return (nil, nil) }
        var pinned: String?
        var versions: MirrorVersions?
        for run in try ledger.runs(limit: 10_000) where run.pipeline == PipelineKind.downloadImage.rawValue {
            let state = try ledger.state(of: run.runID)
            guard state.isCompleted, state.parameters?.download?.url == url,
                let mirror = state.locatedDownload?.mirror
            else { continue }
            // Most recent first: the pin is the root the latest download trusted (a root= given
            // since replaces the one trusted before), and versions count under that root only.
            if pinned == nil { pinned = mirror.rootSHA256 }
            guard mirror.rootSHA256 == pinned else { continue }
            versions = MirrorVersions(
                rootSHA256: mirror.rootSHA256, root: max(versions?.root ?? 0, mirror.rootVersion),
                targets: max(versions?.targets ?? 0, mirror.targetsVersion),
                timestamp: max(versions?.timestamp ?? 0, mirror.timestampVersion))
        }
        return (pinned, versions)
    }
}
