import Foundation

/// Where the dashboard listens: an IPv4 address (default 127.0.0.1) or `[IPv6]`, and a port
/// (0: any free one). Read by `casa-release serve` before it starts the server, so that a wrong
/// address is a usage error of the command itself.
public struct ListenAddress: Equatable, Sendable {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// `HOST:PORT`, `:PORT` or `PORT`; `localhost` is 127.0.0.1. Nil when it cannot be read: a
    /// host must be a numeric address, since the server binds one address and resolves no name.
    public static func parse(_ text: String) -> ListenAddress? {
        var host = "127.0.0.1"
        var portText = text
        if let colon = text.lastIndex(of: ":") {
            let given = String(text[..<colon])
            portText = String(text[text.index(after: colon)...])
            if !given.isEmpty { host = given == "localhost" ? "127.0.0.1" : given }
        }
        guard let port = UInt16(portText) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
            var address = in6_addr()
            guard inet_pton(AF_INET6, host, &address) == 1 else { return nil }
        } else {
            var address = in_addr()
            guard inet_pton(AF_INET, host, &address) == 1 else { return nil }
        }
        return ListenAddress(host: host, port: port)
    }

    /// The address as a URL's authority: `[IPv6]:PORT` or `IPv4:PORT`, with the port given.
    public func authority(port bound: UInt16) -> String {
        (host.contains(":") ? "[\(host)]" : host) + ":\(bound)"
    }
}
