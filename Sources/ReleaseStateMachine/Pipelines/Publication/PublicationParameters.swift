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

    public init(target: String, image: String, sshKey: String? = nil) {
        self.target = target
        self.image = image
        self.sshKey = sshKey
    }

    public var sidecar: String { image + ".json" }
}
