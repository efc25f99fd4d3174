import Foundation

/// What a completed run says it made: lines for people, and the same as flat JSON for programs.
/// Every pipeline's image and publication are said here; the rest by the pipeline
/// (`ReleasePipeline.summarize`).
public struct RunReport: Equatable, Sendable {
    public var lines: [String] = []
    public var json: [String: String] = [:]

    /// The summary of a run; nil for a run that never started.
    public init?(of state: RunState) {
        guard let runID = state.runID else { return nil }
        json = ["run": runID, "status": state.status.rawValue]
        if let image = state.image, state.step(.describe) != nil {
            lines.append(
                "created \(image.image) (image_id \(image.imageID ?? "?"), \(image.size) bytes, md5 \(image.md5))")
            json["image"] = image.image
            json["image_id"] = image.imageID
            json["md5"] = image.md5
            json["sha256"] = image.sha256
        }
        if let publication = state.publicationStatus, let image = state.image {
            let names = PublishedNames(imageFileName: FilePath.lastComponent(image.image))
            let file = publication.buildNumber.map(names.image) ?? names.stem
            switch publication.state {
            case .upToDate: lines.append("\(file) is up to date on \(publication.target): nothing was copied")
            case .published: lines.append("published \(file) to \(publication.target)")
            default: lines.append("publication to \(publication.target): \(publication.state.rawValue)")
            }
            json["target"] = publication.target
            json["published_file"] = file
            json["publication"] = publication.state.rawValue
            json["build_number"] = publication.buildNumber.map(String.init)
            if let attestation = state.attestation, publication.state == .published {
                lines.append("signed its provenance: \(attestation.name) (key \(attestation.keyID))")
                json["attestation"] = attestation.name
                json["signing_key_id"] = attestation.keyID
            }
            if case .publication(.updatedMirror(let mirror))? = state.outcome(of: .updateMirror),
                publication.state == .published
            {
                lines.append(
                    "listed in the TUF metadata of \(publication.target): targets version \(mirror.targetsVersion), timestamp version \(mirror.timestampVersion)"
                )
                json["tuf_targets_version"] = String(mirror.targetsVersion)
            }
        }
        state.started?.pipeline.pipeline.summarize(state, into: &self)
    }
}
