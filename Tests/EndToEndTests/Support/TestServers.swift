import CProcessControl
import Foundation
@testable import TestSupport

/// OpenSSH's sshd serving SFTP, with ed25519 keys (Debian 12's libssh2 signs RSA with SHA-1 only,
/// which OpenSSH 9 refuses). `home` is a home directory whose `.ssh` holds the user key and a
/// known_hosts that knows the server, for casa-release to use as $HOME.
final class SFTPServer: TestServer {
    let home: String
    /// sftp-server requests refused (`-P`), to make a server that refuses some writes.
    let deniedRequests: [String]

    init(directory: String, deniedRequests: [String] = [], knownToClient: Bool = true) throws {
        home = directory + "/home"
        self.deniedRequests = deniedRequests
        try super.init(directory: directory)
        try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        try Shell.run("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", directory + "/host_key")
        try Shell.run("/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", home + "/.ssh/id_ed25519")
        try FileManager.default.copyItem(atPath: home + "/.ssh/id_ed25519.pub", toPath: directory + "/authorized_keys")
        if knownToClient { try trustHostKey() }
        let sftp = "internal-sftp" + (deniedRequests.isEmpty ? "" : " -P " + deniedRequests.joined(separator: ","))
        let config = """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(directory)/host_key
            PidFile \(directory)/sshd.pid
            AuthorizedKeysFile \(directory)/authorized_keys
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin yes
            StrictModes no
            UsePAM no
            Subsystem sftp \(sftp)
            """
        try config.write(toFile: directory + "/sshd_config", atomically: true, encoding: .utf8)
        try start()
    }

    override var command: [String] {
        ["/usr/sbin/sshd", "-D", "-e", "-f", directory + "/sshd_config"]
    }

    /// The line known_hosts holds for this server.
    var knownHostsLine: String {
        get throws {
            let key = try String(contentsOfFile: directory + "/host_key.pub", encoding: .utf8).split(separator: " ")
                .prefix(2).joined(separator: " ")
            return "[127.0.0.1]:\(port) \(key)\n"
        }
    }

    func trustHostKey() throws {
        try knownHostsLine.write(toFile: home + "/.ssh/known_hosts", atomically: true, encoding: .utf8)
    }

    /// `sftp://root@127.0.0.1:PORT/<path>/`
    func url(_ path: String) -> String {
        "sftp://root@127.0.0.1:\(port)\(path.hasSuffix("/") ? path : path + "/")"
    }

    /// The environment casa-release needs to log in with the test's key: its $HOME, no agent.
    var clientEnvironment: [String: String] {
        ["HOME": home, "SSH_AUTH_SOCK": ""]
    }
}

/// nginx with its dav module (`dav_methods PUT DELETE MKCOL COPY MOVE; create_full_put_path on;
/// autoindex on;`), serving `root` over http on a free port. `maximumBodySize` makes a server that
/// refuses large uploads (413) but takes small ones; `readOnly` one that refuses every write (403).
/// `ignoresOverwrite` makes a server whose exclusive claim is not exclusive, as WebDAV servers that
/// ignore `Overwrite: F` are: the port clients see is an nginx proxy that drops the header before
/// the dav server (which then overwrites, its default) sees the MOVE.
final class WebDAVServer: TestServer {
    let root: String

    /// `login`: the server asks for this user and password (HTTP basic) for every request.
    init(
        directory: String, root: String, maximumBodySize: String = "0", readOnly: Bool = false,
        login: (user: String, password: String)? = nil, ignoresOverwrite: Bool = false
    ) throws {
        self.root = root
        try super.init(directory: directory)
        var authentication = ""
        if let login {
            try "\(login.user):{PLAIN}\(login.password)\n".write(
                toFile: directory + "/htpasswd", atomically: true, encoding: .utf8)
            authentication = "auth_basic \"casa\"; auth_basic_user_file \(directory)/htpasswd;"
        }
        for sub in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
        }
        let writes = readOnly ? "limit_except GET HEAD { deny all; }" : ""
        let davPort = ignoresOverwrite ? try FreePort.find() : port
        let proxy =
            !ignoresOverwrite
            ? ""
            : """
                server {
                    listen 127.0.0.1:\(port);
                    client_max_body_size \(maximumBodySize);
                    location / {
                        proxy_pass http://127.0.0.1:\(davPort);
                        proxy_set_header Host $http_host;
                        proxy_set_header Overwrite "";
                    }
                }
            """
        let config = """
            daemon off;
            user root;
            worker_processes 1;
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log;
            events { worker_connections 64; }
            http {
                access_log \(directory)/access.log;
                client_body_temp_path \(directory)/body;
                proxy_temp_path \(directory)/proxy;
                fastcgi_temp_path \(directory)/fastcgi;
                uwsgi_temp_path \(directory)/uwsgi;
                scgi_temp_path \(directory)/scgi;
            \(proxy)
                server {
                    listen 127.0.0.1:\(davPort);
                    root \(root);
                    client_max_body_size \(maximumBodySize);
                    location / {
                        dav_methods PUT DELETE MKCOL COPY MOVE;
                        create_full_put_path on;
                        dav_access user:rw group:r all:r;
                        autoindex on;
                        \(writes)
                        \(authentication)
                    }
                }
            }
            """
        try config.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        try start()
    }

    override var command: [String] {
        ["/usr/sbin/nginx", "-p", directory, "-c", directory + "/nginx.conf", "-e", directory + "/error.log"]
    }

    /// `http://127.0.0.1:PORT/<path>/`, `path` relative to the served root.
    func url(_ path: String) -> String {
        let trimmed = path.split(separator: "/").joined(separator: "/")
        return "http://127.0.0.1:\(port)/" + (trimmed.isEmpty ? "" : trimmed + "/")
    }

    /// The access log's lines, to see what the server was asked.
    func accessLog() throws -> [String] {
        (try? String(contentsOfFile: directory + "/access.log", encoding: .utf8))?.split(separator: "\n").map(
            String.init) ?? []
    }
}
