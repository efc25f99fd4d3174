import Foundation

/// A real PostgreSQL server (Debian's `postgresql`) on 127.0.0.1 on a free port: a cluster made
/// by `initdb` in its own directory, run as the unprivileged `postgres` user through `setpriv`
/// when the tests run as root (PostgreSQL refuses root), as the tests' own user otherwise, with a SCRAM password for its superuser, and TLS when asked, with a CA
/// and a server certificate of its own (for `localhost` and 127.0.0.1). Killed when released.
final class PostgresServer: TestServer {
    static let user = "casa"
    let password = "pw-" + UUID().uuidString.prefix(8)
    let data: String
    let tls: Bool
    /// The CA that signed the server's certificate (for sslrootcert=), when `tls`.
    var caCertificate: String { directory + "/ca.crt" }

    init(tls: Bool = false, port: Int? = nil) throws {
        self.tls = tls
        let directory = NSTemporaryDirectory() + "casa-release-pg-" + UUID().uuidString
        data = directory + "/data"
        try super.init(directory: directory, port: port)
        let binaries = try Self.binaries()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        try Data(password.utf8).write(to: URL(fileURLWithPath: directory + "/password"))
        if tls { try makeCertificates() }
        if geteuid() == 0 { try Self.shell("chown -R postgres:postgres '\(directory)'") }
        try Self.shell(
            Self.asPostgres.joined(separator: " ")
                + " '\(binaries)/initdb' -D '\(data)' -U \(Self.user) --auth=scram-sha-256 --pwfile='\(directory)/password' --no-sync -E UTF8 > '\(directory)/initdb.log' 2>&1"
        )
        try start()
    }

    override func start() throws {
        try super.start()
        try waitUntilReady()
    }

    /// PostgreSQL accepts connections before it takes logins ("the database system is starting
    /// up"): ready is when psql gets an answer (readiness, not a timing guess; 20 s at most).
    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(20)
        while (try? psql("SELECT 1")) != "1" {
            guard Date() < deadline, isRunning else {
                throw TestServerError.failed("PostgreSQL on port \(port) never took a login")
            }
            usleep(20_000)
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    override var command: [String] {
        var command =
            Self.asPostgres + [
                (try? Self.binaries()).map { $0 + "/postgres" } ?? "postgres",
                "-D", data, "-p", String(port), "-k", directory, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=on",
                "-c", "logging_collector=off",
            ]
        if tls {
            command += [
                "-c", "ssl=on", "-c", "ssl_cert_file=\(directory)/server.crt", "-c",
                "ssl_key_file=\(directory)/server.key",
            ]
        }
        return command
    }

    /// `postgres://casa:PASSWORD@127.0.0.1:PORT/postgres` and `extra` as its query.
    func url(
        database: String = "postgres", host: String = "127.0.0.1", withPassword: Bool = true, query: String = ""
    ) -> String {
        "postgres://\(Self.user)\(withPassword ? ":" + password : "")@\(host):\(port)/\(database)"
            + (query.isEmpty ? "" : "?" + query)
    }

    /// Runs SQL with psql as the superuser, and returns what it printed (unaligned, tuples only).
    @discardableResult
    func psql(_ sql: String, database: String = "postgres") throws -> String {
        try Self.shell(
            "PGPASSWORD='\(password)' psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p \(port) -U \(Self.user) -d '\(database)' -c \"\(sql)\""
        )
    }

    private func makeCertificates() throws {
        let d = directory
        try Self.shell(
            """
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=casa-release-test-ca -keyout '\(d)/ca.key' -out '\(d)/ca.crt' 2>/dev/null && \
            openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout '\(d)/server.key' -out '\(d)/server.csr' 2>/dev/null && \
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > '\(d)/san.ext' && \
            openssl x509 -req -in '\(d)/server.csr' -CA '\(d)/ca.crt' -CAkey '\(d)/ca.key' -CAcreateserial -days 2 -extfile '\(d)/san.ext' -out '\(d)/server.crt' 2>/dev/null && \
            chmod 600 '\(d)/server.key'
            """)
    }

    /// How the server's programs are run: as `postgres` when the tests are root.
    static var asPostgres: [String] {
        geteuid() == 0 ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"] : []
    }

    /// `/usr/lib/postgresql/<version>/bin`, the newest there.
    static func binaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init)
            .sorted()
        guard let newest = versions.last else {
            throw TestServerError.failed(
                "PostgreSQL is not installed (apt-get install -y postgresql): the ledger's PostgreSQL tests need its server"
            )
        }
        return "\(root)/\(newest)/bin"
    }

    /// A shell line with its standard error in what it returns (psql's refusals are read there).
    @discardableResult
    static func shell(_ command: String) throws -> String {
        try Shell.script(command, mergingErrors: true)
    }
}
