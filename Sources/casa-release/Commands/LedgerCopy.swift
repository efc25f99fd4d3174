import ArgumentParser
import Foundation
import ReleaseDriver
import ReleaseLedger

/// `casa-release ledger …`: commands on the ledger as a whole.
struct LedgerCommands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Commands on the ledger as a whole: 'ledger copy' moves a history to another store.",
        subcommands: [LedgerCopy.self]
    )
}

/// `casa-release ledger copy --from FILE --to postgres://…`: a team's move from one host's
/// SQLite ledger to a PostgreSQL ledger shared by its hosts.
struct LedgerCopy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract:
            "Copy a ledger's whole history (every event, with its hash) into an empty ledger, then verify the copy's chain.",
        discussion: """
            The source is read only. Its chain, and its end against its head anchor, are \
            checked first: a broken or cut history is refused (exit 65) and nothing is created. \
            Its projections are checked against its events, as verify checks them, while the \
            events are copied: a source that fails is refused (exit 65) before the copy's last \
            transaction, which holds its projections, commits. The destination (a PostgreSQL URL, \
            or a file) is created if needed and must be empty, or hold this same history already: \
            a copy run again adds only what the source recorded since, and nothing when there is \
            nothing new. A destination with another history is refused (exit 73) and left \
            untouched. Into a file, the copy is one transaction (an interrupted copy copies \
            nothing) and the projections are made from the copied events. Into PostgreSQL, the \
            events go by COPY in transactions of 50,000, the last one with the projections (the \
            source's rows, which its check rebuilt from its events): an interrupted copy keeps \
            the transactions that committed; run the same command again, and it goes on from \
            there. The destination's chain is walked at the end.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The ledger to copy: a SQLite file (or a PostgreSQL URL).")
    var from: String

    @Option(help: "Where to copy it: postgres://USER@HOST:PORT/DB (or a file).")
    var to: String

    @Flag(
        help: ArgumentHelp(
            "Take the source's projections as they are, without rebuilding them from its events to compare (about half a copy's time).",
            discussion:
                "Its chain, its head anchor and the copy's chain are still checked; 'verify' of the copy compares its projections with its events."
        ))
    var noProjectionCheck = false

    func run() throws {
        let source = try GlobalOptions.ledgerLocation(given: from, baseDirectory: global.baseDirectory)
        let destination = try GlobalOptions.ledgerLocation(given: to, baseDirectory: global.baseDirectory)
        if source == destination {
            throw CommandFailure(
                .usage, "--from and --to name the same ledger (\(source)): a ledger is not copied into itself")
        }
        let reading = try GlobalOptions.openForReading(source)
        // The source's projections are checked from now on, beside all the rest; a copy refused
        // before it needs the check stops it.
        let check = noProjectionCheck ? CopySourceCheck.skipped() : try CopySourceCheck(of: reading)
        defer { check.stop() }
        // The source's chain is checked before the destination is opened: a cut or broken
        // history creates nothing.
        let verified = try reading.verifyCopySource()
        let writing = try GlobalOptions.openForWriting(destination)
        let report: LedgerCopyReport
        do {
            report = try writing.copyHistory(from: reading, verified: verified, check: check)
        } catch {
            // Into PostgreSQL the batches committed before the failure stay, and the projections
            // are the whole history's only once a copy ends: say how to finish it.
            var failure = CommandFailure.from(error)
            if case .postgres = destination, !(error is LedgerError && failure.status == .cannotCreate) {
                failure.message += "; the events the copy committed stay: run the same command again to finish it"
            }
            throw failure
        }
        let output = global.output
        if global.json {
            try output.emitJSON(report)
            return
        }
        if report.copied == 0 {
            output.result(
                "\(writing.path) already holds the \(report.sourceEvents) events of \(reading.path): nothing copied; its chain verifies (\(report.destinationEvents) events, head \(report.headSequence) \(report.headHash.prefix(12))…)"
            )
        } else {
            output.result(
                "copied \(report.copied) events from \(reading.path) to \(writing.path); its chain verifies (\(report.destinationEvents) events, head \(report.headSequence) \(report.headHash.prefix(12))…)"
            )
        }
    }
}
