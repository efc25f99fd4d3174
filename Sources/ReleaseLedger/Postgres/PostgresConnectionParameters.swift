import Foundation

/// The keywords and values libpq connects with, all from a `PostgresAddress`, which already read
/// the URL and the environment (PGUSER, PGPASSWORD, the password file, …) the caller gave it.
enum PostgresConnectionParameters {
    /// `(keyword, value)` pairs for `PQconnectStartParams`. No `connect_timeout`: libpq's
    /// asynchronous login does not read it; `PostgresSession.connect` keeps the deadline.
    static func of(_ address: PostgresAddress) -> [(String, String)] {
        var parameters: [(String, String)] = [
            ("host", address.host),
            ("port", String(address.port)),
            ("user", address.user),
            ("dbname", address.database),
            ("sslmode", address.tls.rawValue),
            ("client_encoding", "UTF8"),
            // Not tried by casa-release: a Kerberos cache on the host must not change how a ledger is reached.
            ("gssencmode", "disable"),
            ("options", options(PostgresSessionSettings.startupParameters(address))),
        ]
        if let password = address.password {
            parameters.append(("password", password))
        } else {
            // The password file was read by PostgresAddress with the environment it was given;
            // libpq would read another (its own idea of the home directory). A path that cannot
            // exist makes it read none, silently.
            parameters.append(("passfile", "/dev/null/casa-release-reads-the-password-file-itself"))
        }
        if let name = address.applicationName { parameters.append(("application_name", String(name.prefix(63)))) }
        if let root = address.rootCertificate { parameters.append(("sslrootcert", root)) }
        return parameters
    }

    /// The settings as libpq's `options`: `-c NAME=VALUE`, a space or backslash in a value escaped
    /// with a backslash (the inverse of `PostgresSessionSettings.parseOptions`). The application
    /// name has a keyword of its own.
    static func options(_ settings: [(String, String)]) -> String {
        settings.filter { $0.0 != "application_name" }.map { name, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: " ", with: "\\ ")
            return "-c \(name)=\(escaped)"
        }.joined(separator: " ")
    }
}
