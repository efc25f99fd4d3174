import Foundation

/// What `~/.ssh/config` says of a host alias, read as OpenSSH reads it for the four settings an
/// sftp target needs: `HostName`, `Port`, `User` and `IdentityFile`. casa-distro published with
/// ssh and rsync, so a release machine names its server by an alias (`BRAINVISA_PUBLISH_SERVER`
/// may be one); libcurl does not read the file, so casa-release does.
///
/// As in OpenSSH: `Host` lines hold patterns (`*`, `?`, `!` to exclude), the first value found
/// for each setting wins, `Match` blocks are not evaluated (their settings are skipped), and
/// `Include` is not followed.
public struct SSHConfig: Equatable, Sendable {
    public var hostName: String?
    public var port: Int?
    public var user: String?
    public var identityFile: String?

    /// The settings for `alias` in the config file at `path`; all nil when there is none.
    public static func lookUp(_ alias: String, in path: String, home: String) -> SSHConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return SSHConfig() }
        return lookUp(alias, text: text, home: home)
    }

    static func lookUp(_ alias: String, text: String, home: String) -> SSHConfig {
        var found = SSHConfig()
        var applies = true
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let (keyword, value) = split(line)
            switch keyword.lowercased() {
            case "host":
                applies = matches(
                    alias, patterns: value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
            case "match": applies = false
            case "hostname" where applies && found.hostName == nil:
                found.hostName = value.replacingOccurrences(of: "%h", with: alias)
            case "port" where applies && found.port == nil: found.port = Int(value)
            case "user" where applies && found.user == nil: found.user = value
            case "identityfile" where applies && found.identityFile == nil:
                found.identityFile = value == "~" || value.hasPrefix("~/") ? home + value.dropFirst() : value
            default: break
            }
        }
        return found
    }

    /// `Keyword value`, `Keyword=value` or `Keyword = value`; a value in double quotes unquoted.
    private static func split(_ line: String) -> (String, String) {
        guard let end = line.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "=" }) else { return (line, "") }
        var value = line[end...].drop { $0 == " " || $0 == "\t" || $0 == "=" }.trimmingCharacters(in: .whitespaces)
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
            value = String(value.dropFirst().dropLast())
        }
        return (String(line[..<end]), value)
    }

    /// Whether `host` matches a `Host` line: some pattern matches and no negated one does.
    static func matches(_ host: String, patterns: [String]) -> Bool {
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("!") {
                if glob(String(pattern.dropFirst()), host) { return false }
            } else if glob(pattern, host) {
                matched = true
            }
        }
        return matched
    }

    private static func glob(_ pattern: String, _ text: String) -> Bool {
        fnmatch(pattern.lowercased(), text.lowercased(), 0) == 0
    }

    /// `url` (`sftp://[user@]alias[:port]/path`) with the alias's host name, port and user where
    /// the URL does not give them, and the key its `IdentityFile` names; the URL unchanged when
    /// the config says nothing of its host.
    public static func resolve(_ url: String, home: String) -> (url: String, identityFile: String?) {
        guard var components = URLComponents(string: url), let alias = components.host, !alias.isEmpty else {
            return (url, nil)
        }
        let config = lookUp(alias, in: (home as NSString).appendingPathComponent(".ssh/config"), home: home)
        if let hostName = config.hostName { components.host = hostName }
        if components.port == nil, let port = config.port { components.port = port }
        if components.user == nil, let user = config.user { components.user = user }
        return (components.string ?? url, config.identityFile)
    }
}
