import CProcessControl
import Foundation

enum FreePort {
    /// The ports `find` has handed out in this process.
    private static let lock = NSLock()
    nonisolated(unsafe) private static var handedOut: Set<Int> = []

    /// A port nothing listens on now, as the kernel hands one out for port 0, and never one this
    /// process was handed before. The kernel may give the same free port twice in a row: a
    /// server that asked for two (the weak WebDAV server's proxy and the dav server behind it)
    /// then had both listen on one port, and nginx, which takes that for two names of one
    /// server, proxied every request to itself and answered 502 (seen once in CI).
    static func find() throws -> Int {
        while true {
            let port = try kernelsFreePort()
            let new = lock.withLock { handedOut.insert(port).inserted }
            if new { return port }
        }
    }

    private static func kernelsFreePort() throws -> Int {
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
    /// Runs a command line (executable first), its output discarded; an error when it fails.
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

    /// An independent client run as it is: its exit status and its output (standard error
    /// included). A client's refusal is a status, not an error.
    /// Like `capture`, for a process that lives long (a browser session): started with
    /// posix_spawn keeping nothing of the test process but its standard streams, so that it holds
    /// no other test's pipe while it runs (HarnessIsolationTests); its output through a file.
    public static func captureIsolated(
        _ executable: String, _ arguments: [String]
    ) throws -> (
        status: Int32, output: String
    ) {
        let output = NSTemporaryDirectory() + "casa-release-output-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: output) }
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)
        guard casa_spawn_file_actions_close_from(&fileActions, 3) == 0 else {
            throw TestServerError.failed("cannot close the test's descriptors in \(executable)")
        }
        var argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &fileActions, nil, &argv, environ)
        guard result == 0 else { throw TestServerError.failed("cannot start \(executable): \(result)") }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exit, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }

    public static func capture(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A shell script of a test's own (fixtures, archives, an independent client), run by
    /// `/bin/sh -c`; its standard output (with its standard error when `mergingErrors`), trimmed.
    /// A script that fails is an error that names it and quotes that output.
    @discardableResult
    static func script(_ command: String, mergingErrors: Bool = false) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        if mergingErrors { process.standardError = output }
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0 else {
            throw TestServerError.failed("\(command) exited with \(process.terminationStatus): \(text)")
        }
        return text
    }
}
