import Foundation

extension IntentPlanner {
    /// The intents of `download-image`: locate, fetch into `<output>.part`, verify and place.
    static func downloadIntent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent {
        let download = try require(started.parameters.download, name, "download parameters")
        switch name {
        case .locate:
            return .download(
                .locateDownload(
                    LocateDownloadIntent(
                        url: download.url, filename: download.filename, type: download.type,
                        imageVersion: download.imageVersion, fileExtension: download.fileExtension,
                        trustedRoot: download.root, pinnedRootSHA256: started.chosen.mirrorRootSHA256,
                        versionsSeen: started.chosen.mirrorVersionsSeen)))
        case .fetch:
            let located = try require(state.locatedDownload, name, "the located image")
            let output = download.outputPath(for: located.filename)
            return .download(
                .fetchImage(
                    FetchImageIntent(
                        url: located.imageURL, partial: output + ".part", output: output, size: located.size,
                        validator: located.validator, replace: download.force)))
        case .verify:
            let located = try require(state.locatedDownload, name, "the located image")
            let output = download.outputPath(for: located.filename)
            var fetched: FetchedImage?
            if case .download(.fetchedImage(let outcome))? = state.outcome(of: .fetch) { fetched = outcome }
            return .download(
                .verifyDownload(
                    VerifyDownloadIntent(
                        partial: output + ".part", output: output, size: located.size, md5: located.md5,
                        sha256: located.sha256,
                        sidecarContent: located.sidecarContent, replace: download.force,
                        outputAlreadyThere: fetched?.alreadyThere, known: fetched?.digests)))
        default:
            throw PlanningError.unknownStep(name)
        }
    }
}

extension RunState {
    public var locatedDownload: LocatedDownload? {
        if case .download(.locatedDownload(let value))? = step(.locate)?.outcome { return value }
        return nil
    }

    public var verifiedDownload: VerifiedDownload? {
        if case .download(.verifiedDownload(let value))? = step(.verify)?.outcome { return value }
        return nil
    }
}
