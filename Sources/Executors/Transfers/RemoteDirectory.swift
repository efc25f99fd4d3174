import Foundation
import ReleaseStateMachine

/// A directory on a server, as a URL ending in `/`, and the URLs of the files in it: what the
/// sftp:// and WebDAV targets and the downloads share.
public struct RemoteDirectory: Equatable, Sendable {
    /// The directory's URL, with its trailing slash.
    public let base: String

    public init(_ url: String) {
        base = url.hasSuffix("/") ? url : url + "/"
    }

    /// The URL of `name` in the directory, percent-encoded.
    public func url(_ name: String) -> String {
        base + (name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name)
    }

    /// The address to show and record: the URL without any password.
    public var address: String { URLRedaction.url(base) }
}
