import CProcessControl
import Foundation

/// Real servers on 127.0.0.1 for the network tests, each started by the test on a free port with
/// its own keys and configuration, under the test's own directory: OpenSSH's sshd with the sftp
/// subsystem, and nginx with its WebDAV module. Stopped when released.
enum TestServerError: Error, CustomStringConvertible {
    case failed(String)
    var description: String {
        if case .failed(let message) = self { return message }
        return "?"
    }
}

/// What the servers share: a directory, a port, a child process, and killing it with everything
/// it started (sshd and nginx fork a process per connection or worker).
class TestServer {
    let directory: String
    let port: Int
    private(set) var pid: pid_t?

    /// `port`: a given one (a server that comes up where a client already looked), else a free one.
    init(directory: String, port: Int? = nil) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.port = try port ?? FreePort.find()
    }

    deinit { stop() }

    var command: [String] { [] }

    /// Started with posix_spawn, not Foundation's Process: sshd closes every inherited descriptor,
    /// including the one Process watches to learn that a child ended, and Process then blocks
    /// its monitoring thread in waitpid on the live server, so no other child is ever reaped.
    func start() throws {
        var fileActions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 2, "/dev/null", O_WRONLY, 0)
        // Nothing else of the test process: the tests run in parallel, and a server that kept
        // another test's pipe, or the socket pair Process watches for a child's end, would make
        // that test wait as long as the server lives (HarnessIsolationTests).
        let closing = casa_spawn_file_actions_close_from(&fileActions, 3)
        guard closing == 0 else {
            throw TestServerError.failed("cannot close the test's descriptors in \(command[0]): \(closing)")
        }
        var arguments = command.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, command[0], &fileActions, nil, &arguments, environ)
        guard result == 0 else { throw TestServerError.failed("cannot start \(command[0]): \(result)") }
        pid = child
        try FreePort.waitUntilListening(port, isRunning: { [weak self] in self?.isRunning ?? false }, what: command[0])
    }

    var isRunning: Bool {
        guard let pid else { return false }
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    /// Kills the server and every process under it at once, as a crash or a pulled cable would:
    /// connections in progress are cut.
    func stop() {
        guard let pid else { return }
        ProcessTree.kill(root: pid)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        self.pid = nil
    }
}

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

enum FreePort {
    /// A port nothing listens on now, as the kernel hands one out for port 0.
    static func find() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestServerError.failed("socket: \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(descriptor, pointer, length) == 0 else { return -1 }
                return getsockname(descriptor, pointer, &length)
            }
        }
        guard bound == 0 else { throw TestServerError.failed("bind: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Waits, up to 20 s, for the server to accept connections: readiness, not a timing guess;
    /// a server that exits instead fails the test at once.
    static func waitUntilListening(_ port: Int, isRunning: () -> Bool, what: String) throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if accepts(port) { return }
            guard isRunning() else { throw TestServerError.failed("\(what) exited before listening on \(port)") }
            usleep(20_000)
        }
        throw TestServerError.failed("\(what) does not listen on \(port) after 20 s")
    }
}

/// Every process under a root, found through /proc, so that a server's workers and per-connection
/// children die with it.
enum ProcessTree {
    static func descendants(of root: Int32) -> [Int32] {
        var children: [Int32: [Int32]] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { children[parent, default: []].append(pid) }
        }
        var result: [Int32] = []
        var queue = [root]
        while let next = queue.popLast() {
            for child in children[next] ?? [] {
                result.append(child)
                queue.append(child)
            }
        }
        return result
    }

    static func kill(root: Int32) {
        let all = [root] + descendants(of: root)
        for pid in all { _ = Foundation.kill(pid, SIGKILL) }
    }
}

enum Shell {
    static func run(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestServerError.failed("\(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }
}
