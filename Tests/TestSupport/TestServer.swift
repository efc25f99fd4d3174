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
    /// The server's environment: the test process's own unless a server says otherwise.
    var environment: [String: String]? { nil }

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
        var variables = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { variables?.forEach { free($0) } }
        var child: pid_t = 0
        let result =
            variables == nil
            ? posix_spawn(&child, command[0], &fileActions, nil, &arguments, environ)
            : posix_spawn(&child, command[0], &fileActions, nil, &arguments, &variables!)
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
