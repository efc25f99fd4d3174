import Foundation
import ReleaseStateMachine

/// A registry login, as Docker users already keep it: `CASA_RELEASE_REGISTRY_USER` and
/// `CASA_RELEASE_REGISTRY_PASSWORD` in the environment, else the `auths` of
/// `$DOCKER_CONFIG/config.json` (or `~/.docker/config.json`) that `docker login` writes. Read when
/// a step needs it, never recorded in the ledger.
public struct RegistryLogin: Sendable {
    public var user: String
    public var password: String

    /// The login for `registry`, or nil when none is given (the registry may not ask for one).
    public static func find(for registry: DockerRegistry, environment: [String: String]) throws -> RegistryLogin? {
        if let user = environment["CASA_RELEASE_REGISTRY_USER"], !user.isEmpty {
            return RegistryLogin(user: user, password: environment["CASA_RELEASE_REGISTRY_PASSWORD"] ?? "")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        let directory = environment["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.docker"
        let path = directory + "/config.json"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard let config = try? JSONParser.parse(String(decoding: data, as: UTF8.self)) else {
            throw ExecutorError(.badInput, "\(path) is not JSON: cannot read the registry logins there")
        }
        let helper = config["credsStore"] != nil || config["credHelpers"] != nil
        guard case .object(let auths)? = config["auths"] else {
            if helper { throw credentialHelper(path) }
            return nil
        }
        // docker login keys Docker Hub as its v1 index URL, other registries by host, with or without a scheme.
        var keys = [registry.host, "https://" + registry.host, "http://" + registry.host, registry.url]
        if registry == .dockerHub { keys = ["https://index.docker.io/v1/", "index.docker.io", "docker.io"] + keys }
        for key in keys {
            guard let entry = auths.first(where: { $0.key == key || $0.key == key + "/" })?.value else { continue }
            if let encoded = entry["auth"]?.stringValue, !encoded.isEmpty {
                guard let decoded = Data(base64Encoded: encoded).map({ String(decoding: $0, as: UTF8.self) }),
                    let colon = decoded.firstIndex(of: ":")
                else {
                    throw ExecutorError(.badInput, "the login for \(key) in \(path) is not base64 of user:password")
                }
                return RegistryLogin(
                    user: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
            }
            if let user = entry["username"]?.stringValue, let password = entry["password"]?.stringValue {
                return RegistryLogin(user: user, password: password)
            }
        }
        if helper { throw credentialHelper(path) }
        return nil
    }

    private static func credentialHelper(_ path: String) -> ExecutorError {
        ExecutorError(
            .unavailable,
            "\(path) keeps its logins in a credential helper, which casa-release does not call: set CASA_RELEASE_REGISTRY_USER and CASA_RELEASE_REGISTRY_PASSWORD"
        )
    }

    /// `Basic <base64 user:password>`.
    var basicAuthorization: String { "Basic " + Data("\(user):\(password)".utf8).base64EncodedString() }
}
