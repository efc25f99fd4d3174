import Foundation
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// What a run of the `casa-release` binary did.
struct Execution {
    var status: Int32
    /// True when the process was killed by a signal (`status` is then the signal).
    var killed: Bool
    var stdout: String
    var stderr: String
}

/// A scratch release area for one test: a base directory with an upstream image, a mirror, and
/// the built `casa-release` binary to run against them.
final class Workspace {
    let root: String
    var base: String { root + "/casa" }
    var mirror: String { root + "/mirror" }
    var ledgerPath: String { base + "/casa-release.sqlite" }
    /// The workspace's PostgreSQL ledger (its own database), when the suite runs on PostgreSQL.
    let ledgerURL: String?
    var upstream: String { base + "/ubuntu-24.04.sif" }
    var output: String { base + "/casa-system-ubuntu-24.04.sif" }

    /// `ledger`: the store of the workspace's ledger; by default the one the suite runs on.
    init(baseBytes: Int = 1 << 20, ledger: TestLedger.Choice = .suitesStore) throws {
        root = NSTemporaryDirectory() + "casa-release-e2e-" + UUID().uuidString
        switch ledger {
        case .suitesStore: ledgerURL = TestLedger.isPostgres ? try TestLedger.newDatabase() : nil
        case .sqliteFile: ledgerURL = nil
        case .postgres(let url): ledgerURL = url
        }
        for directory in [base, mirror] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // From the kernel in one read: a byte-by-byte generator takes seconds per MiB in debug builds.
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        defer { try? random.close() }
        try random.readData(ofLength: baseBytes).write(to: URL(fileURLWithPath: upstream))
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// The package's root (Package.swift's directory).
    static var package: String { PackagePaths.root }

    static var standIns: String { PackagePaths.standIns }

    /// Where the VBoxManage stand-in keeps VirtualBox's state.
    var vboxHome: String { root + "/vbox" }

    /// Where the stand-ins log their calls, one JSON object a line.
    var standInLog: String { root + "/standin.log" }

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["CASA_RELEASE_BINARY"] { return path }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "casa-release"
        ).path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return package + "/.build/debug/casa-release"
    }

    /// Runs casa-release with `arguments`, in the workspace, with its own base directory.
    @discardableResult
    /// `binary: false`: the launcher and arguments name the command themselves (a binary found on the PATH).
    func run(
        _ arguments: [String], environment extra: [String: String] = [:], launcher: [String] = [], binary: Bool = true
    ) throws -> Execution {
        let process = try start(arguments, environment: extra, launcher: launcher, binary: binary)
        let stdout = process.standardOutput as! Pipe
        let stderr = process.standardError as! Pipe
        // Read both pipes to the end before waiting, so a chatty process never blocks on a full pipe.
        let errorData = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorData.data = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Execution(
            status: process.terminationStatus, killed: process.terminationReason == .uncaughtSignal,
            stdout: String(decoding: outputData, as: UTF8.self), stderr: String(decoding: errorData.data, as: UTF8.self)
        )
    }

    /// Starts casa-release; `launcher` (a command line) runs it, for `setpriv` and the like.
    func start(
        _ arguments: [String], environment extra: [String: String] = [:], launcher: [String] = [], binary: Bool = true
    ) throws -> Process {
        let process = Process()
        let command = launcher + (binary ? [Self.binary] : []) + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        process.environment = commandEnvironment(extra)
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The environment casa-release runs in here: the workspace's base directory and ledger,
    /// the stand-ins first on the PATH, nothing of the tests' own environment that would steer
    /// it; then `extra`.
    func commandEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["CASA_BASE_DIRECTORY"] = base
        environment.removeValue(forKey: "CASA_RELEASE_FAILPOINT")
        environment.removeValue(forKey: "CASA_RELEASE_LEDGER")
        if let ledgerURL { environment["CASA_RELEASE_LEDGER"] = ledgerURL }
        environment.removeValue(forKey: "CASA_RELEASE_PUBLISH_URL")
        // The stand-ins of Tests/StandIns (apptainer) come first on the PATH, and log their calls.
        environment["PATH"] = Self.standIns + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["STANDIN_LOG"] = standInLog
        environment.removeValue(forKey: "CASA_DISTRO_SOURCE")
        environment.removeValue(forKey: "CASA_RELEASE_RECIPES")
        environment.removeValue(forKey: "CASA_RELEASE_APPTAINER")
        environment.removeValue(forKey: "CASA_RELEASE_VBOXMANAGE")
        // The VBoxManage stand-in keeps its VirtualBox in the workspace; VM waits look often.
        environment["VBOX_STANDIN_HOME"] = vboxHome
        environment["CASA_RELEASE_VBOX_POLL_INTERVAL"] = "0.01"
        // Debian's python3 (.ci/run installs it) reads build_image.py recipes: a python3 found
        // first on a developer's PATH may be a version manager's shim, ten times slower to start.
        environment["CASA_RELEASE_PYTHON"] = "/usr/bin/python3"
        // What verify remembers of the ledgers it checked stays in the workspace.
        environment["XDG_CACHE_HOME"] = root + "/cache"
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    /// Runs SQL statements on the ledger behind casa-release's back, its append-only triggers
    /// put out of the way first, as someone with the database's own tool and its owner's rights
    /// would: sqlite3 on the file, psql as the PostgreSQL superuser.
    func behindTheLedgersBack(_ statements: String) throws -> Int32 {
        guard let ledgerURL else {
            return try sqlite3(
                "DROP TRIGGER IF EXISTS events_are_append_only_update; DROP TRIGGER IF EXISTS events_are_append_only_delete; "
                    + statements)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [
            "-X", "-q", "-v", "ON_ERROR_STOP=1", "--dbname=" + ledgerURL, "-c",
            "ALTER TABLE events DISABLE TRIGGER USER; " + statements,
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// How `--ledger` names the workspace's ledger: its URL on PostgreSQL, else its file.
    var ledgerArgument: String { ledgerURL ?? ledgerPath }

    /// Everything the ledger stores, as text: the SQLite file's bytes, or a dump of the
    /// PostgreSQL database; to show that something (a password) is recorded nowhere.
    func ledgerContents() throws -> String {
        guard let ledgerURL else { return String(decoding: try bytes(ledgerPath), as: UTF8.self) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pg_dump")
        process.arguments = ["--data-only", "--dbname=" + ledgerURL]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, !data.isEmpty else {
            throw TestServerError.failed("pg_dump of \(ledgerURL) failed")
        }
        return String(decoding: data, as: UTF8.self)
    }

    var createArguments: [String] { ["create_base_image", "type=system", "image_version=ubuntu-24.04"] }
    var createAndPublishArguments: [String] { createArguments + ["publish=yes", "target=file://\(mirror)/"] }
    var publishArguments: [String] { ["publish-base-image", "type=system", "target=file://\(mirror)/"] }

    /// Runs the sqlite3 tool on the ledger, as someone going behind casa-release's back would.
    func sqlite3(_ sql: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [ledgerPath, sql]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The workspace's ledger, in whichever store the suite runs on.
    func ledger() throws -> Ledger {
        if let ledgerURL { return try Ledger.open(postgres: try PostgresAddress.parse(ledgerURL), mustExist: true) }
        return try Ledger.open(path: ledgerPath, mustExist: true)
    }

    /// Whether anything was ever recorded in the workspace's ledger.
    var hasLedger: Bool {
        if ledgerURL != nil { return (try? ledger()) != nil }
        return FileManager.default.fileExists(atPath: ledgerPath)
    }

    func runIDs() throws -> [String] {
        guard hasLedger else { return [] }
        return try ledger().runs().map(\.runID)
    }

    func files(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    func sidecar(_ path: String) throws -> ImageSidecar {
        try ImageSidecar.parse(String(decoding: try bytes(path), as: UTF8.self))
    }
}

/// Standard error, read on another thread while standard output is read on this one.
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
