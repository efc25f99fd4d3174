import Foundation
import Testing
import ReleaseStateMachine
@testable import TestSupport

/// The two kinds of network target, for tests that run against both.
enum ServerKind: String, CaseIterable, CustomTestStringConvertible {
    case sftp, webdav
    var testDescription: String { rawValue }
}

/// A started server and the directory it publishes into, as the test sees it on disk.
final class PublicationServer {
    let kind: ServerKind
    let sftp: SFTPServer?
    let webdav: WebDAVServer?
    /// The published directory on disk (the server's view of it).
    let directory: String
    /// The target URL casa-release publishes to.
    let url: String

    /// Whether the published directory is a small file system of its own, unmounted at the end.
    private let smallDisk: Bool

    /// `diskSize`: the published directory is a tmpfs of that many bytes, which a test fills.
    init(
        _ kind: ServerKind, in workspace: Workspace, maximumBodySize: String = "0", readOnly: Bool = false,
        deniedRequests: [String] = [], knownToClient: Bool = true, login: (user: String, password: String)? = nil,
        diskSize: Int? = nil, ignoresOverwrite: Bool = false
    ) throws {
        self.kind = kind
        let root = workspace.root + "/server"
        directory = root + "/pub"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        smallDisk = diskSize != nil
        if let diskSize {
            try Shell.run("/bin/mount", "-t", "tmpfs", "-o", "size=\(diskSize),mode=0755", "tmpfs", directory)
        }
        switch kind {
        case .sftp:
            let server = try SFTPServer(
                directory: workspace.root + "/sshd", deniedRequests: deniedRequests, knownToClient: knownToClient)
            sftp = server
            webdav = nil
            url = server.url(directory)
        case .webdav:
            let server = try WebDAVServer(
                directory: workspace.root + "/nginx", root: root, maximumBodySize: maximumBodySize,
                readOnly: readOnly, login: login, ignoresOverwrite: ignoresOverwrite)
            webdav = server
            sftp = nil
            url = server.url("pub")
        }
    }

    deinit {
        if smallDisk {
            server.stop()
            _ = try? Shell.run("/bin/umount", "-l", directory)
        }
    }

    var server: TestServer { (sftp as TestServer?) ?? webdav! }

    /// What casa-release needs in its environment to reach the server.
    var environment: [String: String] {
        var environment = sftp?.clientEnvironment ?? [:]
        environment["CASA_RELEASE_RETRY_DELAY"] = "0.05"
        return environment
    }

    /// The visible files (not the hidden temporary ones).
    func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    /// Every file and directory under the published directory, hidden ones and those in
    /// subdirectories too, as paths relative to it.
    func allFiles() -> [String] {
        (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).sorted()
    }

    func bytes(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
    }
}

extension Workspace {
    /// The state of the most recent run.
    func latestRun() throws -> RunState {
        guard let runID = try runIDs().first else { throw TestServerError.failed("no run recorded") }
        return try ledger().state(of: runID)
    }

    func publish(
        to server: PublicationServer, _ extra: [String] = [], environment: [String: String] = [:]
    ) throws -> Execution {
        try run(
            ["publish-base-image", "type=system", "target=\(server.url)"] + extra,
            environment: server.environment.merging(environment) { $1 })
    }

    func startPublishing(to server: PublicationServer, environment: [String: String] = [:]) throws -> Process {
        try start(
            ["publish-base-image", "type=system", "target=\(server.url)"],
            environment: server.environment.merging(environment) { $1 })
    }
}

/// The test side of `CASA_RELEASE_TRANSFER_PAUSE`: a FIFO the paused transfer blocks on.
final class TransferPause {
    let fifo: String
    let bytes: Int

    init(in workspace: Workspace, afterBytes bytes: Int) throws {
        fifo = workspace.root + "/pause.fifo"
        self.bytes = bytes
        guard mkfifo(fifo, 0o600) == 0 else { throw TestServerError.failed("mkfifo: \(errno)") }
    }

    var environment: [String: String] { ["CASA_RELEASE_TRANSFER_PAUSE": "\(bytes):\(fifo)"] }

    /// Waits until the transfer says it is paused (or the process ended without pausing).
    func waitUntilPaused(_ process: Process) throws {
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: fifo + ".paused") {
            guard process.isRunning else {
                throw TestServerError.failed(
                    "casa-release ended (\(process.terminationStatus)) before the transfer paused")
            }
            guard Date() < deadline else { throw TestServerError.failed("the transfer did not pause") }
            usleep(10_000)
        }
    }

    /// Lets the transfer go on.
    func release() {
        let descriptor = open(fifo, O_WRONLY)
        if descriptor >= 0 {
            var byte: UInt8 = 1
            _ = write(descriptor, &byte, 1)
            close(descriptor)
        }
    }
}

extension Process {
    /// Waits for the process and collects what it printed.
    func finish() -> Execution {
        let stdout = (standardOutput as? Pipe)?.fileHandleForReading.readDataToEndOfFile() ?? Data()
        let stderr = (standardError as? Pipe)?.fileHandleForReading.readDataToEndOfFile() ?? Data()
        waitUntilExit()
        return Execution(
            status: terminationStatus, killed: terminationReason == .uncaughtSignal,
            stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }
}
