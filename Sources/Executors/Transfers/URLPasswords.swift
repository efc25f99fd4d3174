import Foundation
import ReleaseStateMachine

/// Passwords given inside URLs (`https://user:secret@host/dir/`), kept in this process's memory
/// only. What is recorded and shown is the URL without its password (`URLRedaction`); a transfer
/// finds the password again here by scheme, host, port and user. A `resume` in another process
/// has none of them: it logs in with `~/.netrc`, or with a `CASA_RELEASE_PUBLISH_URL` that carries
/// the password, as curl users expect.
public struct URLPasswords: Sendable, Equatable {
    private var byOrigin: [String: String] = [:]

    public init() {}

    /// Keeps the password of `url`, when it has one, and returns the URL without it.
    public mutating func remember(_ url: String) -> String {
        if let components = URLComponents(string: url), let password = components.percentEncodedPassword,
            let origin = Self.origin(components)
        {
            byOrigin[origin] = password.removingPercentEncoding ?? password
        }
        return URLRedaction.url(url)
    }

    /// The user and password for a request to `url`, when a password for its origin is known.
    func login(for url: String) -> (user: String, password: String)? {
        guard let components = URLComponents(string: url), let origin = Self.origin(components),
            let password = byOrigin[origin]
        else { return nil }
        return (components.user ?? "", password)
    }

    public var isEmpty: Bool { byOrigin.isEmpty }

    /// `scheme://user@host:port`, lowercased where URLs are case-blind, with the default port
    /// written out, so that `https://u@h/` and `https://u@H:443/x/` are one origin.
    private static func origin(_ components: URLComponents) -> String? {
        guard let scheme = components.scheme?.lowercased(), let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        let port = components.port ?? ["http": 80, "https": 443, "sftp": 22][scheme] ?? 0
        return "\(scheme)://\(components.user ?? "")@\(host):\(port)"
    }

    /// The passwords this process was given on its command line, for every `TransferSettings`
    /// made after (`TransferSettings.init` reads them).
    public static func rememberForThisProcess(_ url: String) -> String {
        processLock.lock()
        defer { processLock.unlock() }
        return processPasswords.remember(url)
    }

    static var forThisProcess: URLPasswords {
        processLock.lock()
        defer { processLock.unlock() }
        return processPasswords
    }

    private static let processLock = NSLock()
    nonisolated(unsafe) private static var processPasswords = URLPasswords()
}
