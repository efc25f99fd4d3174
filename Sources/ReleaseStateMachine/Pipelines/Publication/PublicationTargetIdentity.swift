import Foundation

/// Which place a target address names, whoever logs in to it: two engineers publishing to
/// `sftp://alice@brainvisa.info/download/` and `sftp://bob@BrainVISA.info:22/download` publish to
/// one directory, and their build numbers must not collide there.
///
/// The scheme and host are lowercased, the login and a default port (22, 80, 443) dropped, and the
/// path ends with exactly one slash, repeated slashes made one. Two addresses of one directory that
/// differ otherwise (a symbolic link, another scheme serving the same files) stay two targets: the
/// target's own exclusive claim still guards those.
public enum PublicationTargetIdentity {
    public static func of(_ address: String) -> String {
        guard let components = URLComponents(string: address), let scheme = components.scheme?.lowercased() else {
            return address
        }
        let host = (components.host ?? "").lowercased()
        let defaultPorts = ["sftp": 22, "http": 80, "https": 443]
        let port = components.port.flatMap { $0 == defaultPorts[scheme] ? nil : ":\($0)" } ?? ""
        let path =
            "/"
            + components.percentEncodedPath.split(separator: "/", omittingEmptySubsequences: true).map { $0 + "/" }
            .joined()
        return "\(scheme)://\(host)\(port)\(path)"
    }
}
