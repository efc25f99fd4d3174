import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// Options every command takes: where the base directory and the ledger are, and output format.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: [.customLong("base-dir"), .customLong("base-directory")],
        help: "The base directory (default: $CASA_BASE_DIRECTORY, else ~/casa_distro).")
    var baseDirectory: String?

    @Option(
        name: .customLong("ledger"),
        help:
            "The ledger: a file, or postgres://USER@HOST:PORT/DB (default: $CASA_RELEASE_LEDGER, else <base dir>/casa-release.sqlite)."
    )
    var ledgerPath: String?

    @Flag(name: .customLong("json"), help: "Machine-readable output.")
    var json = false

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Say more: each skipped step on a line of its own.")
    var verbose = false

    /// The global options by name, and whether each takes a value: what the parser's own
    /// description of this type says (GlobalOptionsTests checks it in process), known here so that a start need not describe the type (a JSON dump, ms).
    static let knownNames: [String: Bool] = [
        "base-dir": true, "base-directory": true, "ledger": true, "json": false, "v": false, "verbose": false,
    ]

    /// Where this command writes, in the format and detail asked for.
    var output: Output { Output(json: json, verbose: verbose) }

    /// The base directory, absolute.
    var resolvedBaseDirectory: String { Self.baseDirectory(given: baseDirectory) }

    /// Where the ledger is: a file, or a PostgreSQL database; a ledger named by a URL
    /// casa-release cannot open is an error here (exit 64).
    var resolvedLedger: LedgerLocation {
        get throws { try Self.ledgerLocation(given: ledgerPath, baseDirectory: baseDirectory) }
    }

    /// The ledger as the user named it (`--ledger`, else `$CASA_RELEASE_LEDGER`), or nil for the
    /// base directory's.
    var namedLedger: String? { Self.namedLedger(given: ledgerPath) }

    static func namedLedger(
        given: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        given ?? environment["CASA_RELEASE_LEDGER"].flatMap({ $0.isEmpty ? nil : $0 })
    }

    /// The base directory: the one given, else $CASA_BASE_DIRECTORY, else ~/casa_distro; absolute.
    static func baseDirectory(
        given: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        Paths.absolute(given ?? environment["CASA_BASE_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 } ?? "~/casa_distro")
    }

    /// The ledger: the one given, else `$CASA_RELEASE_LEDGER`, else `casa-release.sqlite` in the
    /// base directory; a file's path made absolute.
    static func ledgerLocation(
        given: String?, baseDirectory: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> LedgerLocation {
        guard let named = namedLedger(given: given, environment: environment) else {
            return .file(
                (Self.baseDirectory(given: baseDirectory, environment: environment) as NSString).appendingPathComponent(
                    "casa-release.sqlite"))
        }
        switch try LedgerLocation.parse(named) {
        case .file(let path): return .file(Paths.absolute(path))
        case let other: return other
        }
    }

    /// Opens the ledger for a command that writes (created if missing: a file with its
    /// directory, the tables in an empty PostgreSQL database).
    func openLedgerForWriting() throws -> Ledger {
        try Self.openForWriting(try resolvedLedger)
    }

    /// Opens the ledger at `location` for writing, creating it if missing (with `mustExist`, a
    /// missing ledger is an error instead).
    static func openForWriting(_ location: LedgerLocation, mustExist: Bool = false) throws -> Ledger {
        let expiry = try leaseExpiry()
        let ledger: Ledger
        switch location {
        case .postgres(let address):
            ledger = try Ledger.open(postgres: address, mustExist: mustExist)
        case .file(let path):
            let directory = (path as NSString).deletingLastPathComponent
            if !mustExist, !FileManager.default.fileExists(atPath: directory) {
                do {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                } catch {
                    throw CommandFailure(
                        .cannotCreate,
                        "cannot create the directory of the ledger \(directory): \(ErrorText.line(error))")
                }
            }
            ledger = try Ledger.open(path: path, mustExist: mustExist)
        }
        for note in ledger.notes { StandardStreams.error("casa-release: note: \(note)\n") }
        ledger.leaseExpiry = expiry
        return ledger
    }

    /// Opens an existing ledger for a command that writes to a run already recorded (resume,
    /// confirm, rollback): never creates one.
    func openExistingLedgerForWriting() throws -> Ledger {
        try Self.openForWriting(try resolvedLedger, mustExist: true)
    }

    /// How long a lease holder on another host may go without a heartbeat before its run may be
    /// taken over: `$CASA_RELEASE_LEASE_EXPIRY` seconds, else the ledger's 30. Read before the
    /// ledger is opened, so that a wrong value changes nothing.
    static func leaseExpiry(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TimeInterval
    {
        guard let text = environment["CASA_RELEASE_LEASE_EXPIRY"], !text.isEmpty else {
            return Ledger.defaultLeaseExpiry
        }
        guard let seconds = Double(text), seconds.isFinite, seconds > 0 else {
            throw CommandFailure(
                .usage,
                "CASA_RELEASE_LEASE_EXPIRY=\(text): a number of seconds above 0 (default \(Int(Ledger.defaultLeaseExpiry)))"
            )
        }
        return seconds
    }

    /// Opens an existing ledger for a command that only reads, read-only: a file is never
    /// created, converted or migrated, so an auditor can read a copy in a read-only place.
    /// What opening found worth saying (a WAL that cannot be checkpointed) is said once.
    func openLedgerForReading() throws -> Ledger {
        try Self.openForReading(try resolvedLedger)
    }

    /// Opens the existing ledger at `location` for reading; says once what opening found.
    static func openForReading(_ location: LedgerLocation) throws -> Ledger {
        let ledger = try location.openForReading()
        for note in ledger.notes { StandardStreams.error("casa-release: note: \(note)\n") }
        return ledger
    }
}

/// Path helpers for the command line (the one place that reads the working directory and $HOME).
enum Paths {
    /// `path` made absolute: `~` is `$HOME` (as every Unix tool reads it, so that containers,
    /// `sudo -H` and a throwaway HOME work), `~user` that user's home, a relative path is taken
    /// from the current directory.
    static func absolute(_ path: String) -> String {
        let expanded = expandingTilde(path)
        if expanded.hasPrefix("/") { return (expanded as NSString).standardizingPath }
        return ((FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(expanded) as NSString)
            .standardizingPath
    }
}

extension Paths {
    static func expandingTilde(
        _ path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        guard path == "~" || path.hasPrefix("~/") else {
            return path.hasPrefix("~") ? (path as NSString).expandingTildeInPath : path
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + path.dropFirst()
    }
}
