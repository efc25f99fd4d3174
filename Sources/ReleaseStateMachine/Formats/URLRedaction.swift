import Foundation

/// Passwords never leave the process: not in the ledger, not in a message, not in a log. Every
/// URL a person typed goes through here before it is shown or recorded: targets, registries,
/// ledgers, listings.
///
/// The password is found by the text alone (`scheme://user:password@host…`), not by a URL
/// parser: a URL too broken to parse is exactly the one an error message prints.
public enum URLRedaction {
    /// `url` without its password (`scheme://user@host…`); any other text unchanged.
    public static func url(_ address: String) -> String {
        guard let (start, at) = userInfo(address),
            let colon = address[start..<at].firstIndex(of: ":")
        else { return address }
        return String(address[..<colon] + address[at...])
    }

    /// `url` without user nor password: what an HTTP header that names a URL (WebDAV's
    /// `Destination`) must carry, since servers compare it with the request's own host.
    public static func withoutUserInfo(_ address: String) -> String {
        guard let (start, at) = userInfo(address) else { return address }
        return String(address[..<start] + address[address.index(after: at)...])
    }

    /// Where the user part of `address` starts and the index of its `@`, when it has one: the
    /// last `@` of the authority (between `://` and the first `/`, `?` or `#`), as RFC 3986 and
    /// libcurl read it.
    private static func userInfo(_ address: String) -> (String.Index, String.Index)? {
        guard let start = address.range(of: "://")?.upperBound else { return nil }
        let authorityEnd = address[start...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? address.endIndex
        guard let at = address[start..<authorityEnd].lastIndex(of: "@") else { return nil }
        return (start, at)
    }
}
