import Foundation

/// A publication: which image, to which target.
public struct PublicationParameters: Codable, Equatable, Sendable {
    /// The target URL, without any password (`file:///srv/mirror/`).
    public var target: String
    /// The local image to publish; its sidecar is `<image>.json`.
    public var image: String
    /// `ssh_key=`: the private key for an sftp:// target (a path, never the key itself), so
    /// that `resume` logs in the same way.
    public var sshKey: String?
    /// `signing_key=`: the release key that signs the image's provenance (a path, never the key),
    /// and its id when the run started; nil for an unsigned publication.
    public var signingKey: String?
    public var signingKeyID: String?

    public init(
        target: String, image: String, sshKey: String? = nil, signingKey: String? = nil, signingKeyID: String? = nil
    ) {
        self.target = target
        self.image = image
        self.sshKey = sshKey
        self.signingKey = signingKey
        self.signingKeyID = signingKeyID
    }

    public var sidecar: String { image + ".json" }
}
