import Foundation
@testable import TestSupport

/// Debian's `docker-registry` (the CNCF distribution registry) on 127.0.0.1, on a free port, with
/// its own configuration and storage under the test's directory: open, behind an htpasswd basic
/// login, or behind the Bearer token flow of `TokenServer`. It can be restarted on the same port
/// and storage, with the same `http.secret` (upload sessions survive) or a new one (they don't).
final class RegistryServer: TestServer {
    enum Login {
        case none
        case basic(user: String, password: String)
        case token(TokenServer)
    }

    private let login: Login
    private(set) var secret = UUID().uuidString
    var storage: String { directory + "/storage" }

    init(directory: String, login: Login = .none, port: Int? = nil) throws {
        self.login = login
        try super.init(directory: directory, port: port)
        if case .basic(let user, let password) = login {
            // The registry reads bcrypt hashes only; glibc's crypt makes them ($2b$).
            let hash = try Self.bcrypt(password)
            try "\(user):\(hash)\n".write(toFile: directory + "/htpasswd", atomically: true, encoding: .utf8)
        }
        try writeConfiguration()
        try start()
    }

    override var command: [String] { ["/usr/bin/docker-registry", "serve", directory + "/config.yml"] }

    /// `http://127.0.0.1:PORT`.
    var url: String { "http://127.0.0.1:\(port)" }
    /// `127.0.0.1:PORT`: how references name it.
    var host: String { "127.0.0.1:\(port)" }

    /// Stops the registry as a crash would, then starts it again on the same port and storage;
    /// with `newSecret`, the upload locations it handed out before no longer verify.
    func restart(newSecret: Bool) throws {
        stop()
        if newSecret { secret = UUID().uuidString }
        try writeConfiguration()
        try start()
    }

    private func writeConfiguration() throws {
        var authentication = ""
        switch login {
        case .none: break
        case .basic:
            authentication = """
                auth:
                  htpasswd:
                    realm: casa-test
                    path: \(directory)/htpasswd
                """
        case .token(let server):
            authentication = """
                auth:
                  token:
                    realm: \(server.url)/token
                    service: \(TokenServer.service)
                    issuer: \(TokenServer.issuer)
                    rootcertbundle: \(server.certificate)
                """
        }
        let configuration = """
            version: 0.1
            log:
              level: error
            storage:
              filesystem:
                rootdirectory: \(storage)
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
              secret: \(secret)
            \(authentication)
            """
        try configuration.write(toFile: directory + "/config.yml", atomically: true, encoding: .utf8)
    }

    /// bcrypt at its lowest cost (2^4 rounds): the registry checks the hash on every request of a
    /// basic login, and the default cost (2^12) took a quarter of a second of CPU each time.
    static func bcrypt(_ password: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            "-W", "ignore", "-c",
            "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))", password,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, output.hasPrefix("$2") else {
            throw TestServerError.failed("bcrypt: \(output)")
        }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The token server of the Bearer flow (Tests/Servers/registry-token-server.py): a login checked
/// with HTTP basic, a JWT signed with a key made here, whose certificate the registry trusts.
/// `users`: name, password, and the actions granted ("pull,push" or "pull").
final class TokenServer: TestServer {
    static let service = "casa-test-registry"
    static let issuer = "casa-test-issuer"
    let users: [(name: String, password: String, actions: String)]
    var certificate: String { directory + "/token.crt" }
    var key: String { directory + "/token.key" }

    init(directory: String, users: [(name: String, password: String, actions: String)]) throws {
        self.users = users
        try super.init(directory: directory)
        try Shell.run(
            "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
            "-days", "2", "-subj", "/CN=casa-test-token")
        try start()
    }

    override var command: [String] {
        [
            "/usr/bin/python3", Workspace.package + "/Tests/Servers/registry-token-server.py", String(port), key,
            certificate,
            Self.issuer, Self.service,
        ] + users.map { "\($0.name):\($0.password):\($0.actions)" }
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// The requests the token server answered (or refused).
    func requests() -> [String] {
        ((try? String(contentsOfFile: directory + "/token-\(port).log", encoding: .utf8)) ?? "").split(separator: "\n")
            .map(String.init)
    }
}

extension Workspace {
    /// What skopeo (an independent client) says `reference` is in the registry.
    func registryDigest(_ registry: RegistryServer, _ reference: String, creds: String? = nil) throws -> String {
        try shell(
            "skopeo inspect --tls-verify=false \(creds.map { "--creds '\($0)'" } ?? "--no-creds") --format '{{.Digest}}' 'docker://\(registry.host)/\(reference)'"
        )
    }

    /// The tags skopeo lists in the registry's `repository`, sorted.
    func registryTags(_ registry: RegistryServer, _ repository: String, creds: String? = nil) throws -> [String] {
        let text = try shell(
            "skopeo list-tags --tls-verify=false \(creds.map { "--creds '\($0)'" } ?? "--no-creds") 'docker://\(registry.host)/\(repository)' 2>/dev/null || echo '{\"Tags\":[]}'"
        )
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return ((object?["Tags"] as? [String]) ?? []).sorted()
    }
}
