import Foundation
import ReleaseStateMachine

/// What publish-docker asks the registry before it records a run, as publish-base-image asks its
/// target: whether it answers the distribution API, whether the login (from the environment or
/// docker login's file) is taken, and which images it already serves as published. A registry
/// that cannot be reached, a refused login or an unreadable login file then ends the command with
/// nothing recorded, instead of a failed run to clean up.
public enum DockerRegistryPreflight {
    /// The images `registry` already serves as published, by reference (`casa-run:5.4`), each
    /// with the numbered tags that show it: every tag of the image, and the highest `<tag>-<N>`
    /// of each, point at its manifest digest. Publishing such an image again would only mint a
    /// new number for the same bytes.
    public static func check(
        _ registry: DockerRegistry, images: [DockerImageToPush], transfers: TransferSettings
    ) throws -> [String: [String]] {
        let client = try RegistryClient(registry: registry, settings: transfers)
        try TransferRetry.run("reaching \(registry.url)", settings: transfers) { _ in
            let response = try client.send(CurlRequest(url: client.url("")), repository: nil)
            guard response.status == 200 else { throw client.failure(response, "checking \(registry.url)/v2/") }
        }
        var published: [String: [String]] = [:]
        for image in images {
            let numbered = try TransferRetry.run("reading the tags of \(image.repository)", settings: transfers) { _ in
                try publishedTags(of: image, client: client)
            }
            if let numbered { published[image.image.reference] = numbered }
        }
        return published
    }

    /// The highest numbered tag of each of the image's tags, when all of them and their tags
    /// serve its manifest digest; nil otherwise.
    private static func publishedTags(of image: DockerImageToPush, client: RegistryClient) throws -> [String]? {
        let existing = try client.tags(image.repository)
        var numbered: [String] = []
        for tag in image.image.tags {
            guard existing.contains(tag), let highest = DockerNumberedTags.highest(of: tag, in: existing) else {
                return nil
            }
            let numberedTag = DockerNumberedTags.tag(tag, highest)
            for reference in [tag, numberedTag] {
                guard try client.manifestDigest(image.repository, reference) == image.image.manifestDigest else {
                    return nil
                }
            }
            numbered.append(numberedTag)
        }
        return numbered
    }
}
