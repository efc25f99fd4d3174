import Foundation

/// `download-image`: locate an image on a server, fetch it (resumable), verify it.
public enum DownloadPipeline: ReleasePipeline {
    public static let definition = [StepDefinition(.locate), StepDefinition(.fetch), StepDefinition(.verify)]

    public static func intent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent {
        try IntentPlanner.downloadIntent(for: name, in: state, started: started)
    }

    public static func outputs(of state: RunState) -> [ProducedImage] {
        guard case .download(.verifiedDownload(let verified))? = state.outcome(of: .verify) else { return [] }
        var imageID: String?
        if case .download(.locatedDownload(let located))? = state.outcome(of: .locate) { imageID = located.imageID }
        return [
            ProducedImage(
                path: verified.output, imageID: imageID, sha256: verified.sha256, md5: verified.md5,
                size: verified.size, origin: .downloaded)
        ]
    }

    public static func inputs(of state: RunState, for output: ProducedImage) -> [ProvenanceInput] {
        guard case .download(.locatedDownload(let located))? = state.outcome(of: .locate) else { return [] }
        return [
            ProvenanceInput(
                role: .download, name: located.filename, url: located.imageURL, imageID: located.imageID,
                sha256: located.sha256, md5: located.md5, size: located.size)
        ]
    }

    public static func summarize(_ state: RunState, into report: inout RunReport) {
        guard let downloaded = state.verifiedDownload, let located = state.locatedDownload else { return }
        report.lines.append(
            downloaded.upToDate == true
                ? "\(downloaded.output) is up to date: it is \(located.imageURL) (md5 \(downloaded.md5) checked); nothing was downloaded"
                : "downloaded \(located.imageURL) to \(downloaded.output) (\(downloaded.size) bytes, md5 \(downloaded.md5) checked)"
        )
        report.json["output"] = downloaded.output
        report.json["url"] = located.imageURL
        report.json["md5"] = downloaded.md5
        report.json["sha256"] = downloaded.sha256
        report.json["image_id"] = located.imageID
        if let mirror = located.mirror {
            report.lines.append(
                "verified against the mirror's TUF metadata (root version \(mirror.rootVersion), targets version \(mirror.targetsVersion); its first root \(mirror.trust))"
            )
            report.json["tuf_root_sha256"] = mirror.rootSHA256
        } else {
            report.lines.append("the mirror is unsigned (no TUF metadata): checked against its sidecar's md5 only")
        }
    }
}

extension StepName {
    public static let locate = StepName("locate")
    public static let fetch = StepName("fetch")
    public static let verify = StepName("verify")
}
