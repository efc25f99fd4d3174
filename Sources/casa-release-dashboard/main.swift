import Dashboard
import Foundation
import ReleaseLedger
import ReleaseStateMachine

// casa-release-dashboard: the HTTP half of `casa-release serve`, started by it and by nothing
// else. `serve` reads its options, opens the ledger once to say what is wrong with it, and then
// becomes this program (execv, the same process): the server library (FlyingFox) brings
// Foundation's networking and with it libcurl, which linked into casa-release would cost every
// other command about 6 ms of its start (docs/dashboard.md, "Two programs").
//
// Arguments, as `serve` gives them: --listen HOST:PORT [--mirror DIR] [--application-name NAME];
// the ledger in $CASA_RELEASE_LEDGER, an absolute path or a postgres:// URL.

/// One line on standard error, as casa-release says it, and the exit status.
func fail(_ status: Int32, _ message: String) -> Never {
    FileHandle.standardError.write(Data("casa-release: \(message)\n".utf8))
    exit(status)
}

var options: [String: String] = [:]
var remaining = CommandLine.arguments.dropFirst()
while let name = remaining.popFirst() {
    guard ["--listen", "--mirror", "--application-name"].contains(name), let value = remaining.popFirst() else {
        fail(64, "casa-release-dashboard is started by `casa-release serve`; run that instead")
    }
    options[name] = value
}
guard let listenText = options["--listen"], let listen = ListenAddress.parse(listenText),
    let ledgerText = ProcessInfo.processInfo.environment["CASA_RELEASE_LEDGER"], !ledgerText.isEmpty
else {
    fail(64, "casa-release-dashboard is started by `casa-release serve`; run that instead")
}

let reader: DashboardReader
do {
    let ledger: Ledger
    let shown: String
    if ledgerText.hasPrefix("/") {
        ledger = try Ledger.openForReading(path: ledgerText)
        shown = ledgerText
    } else {
        var address = try PostgresAddress.parse(ledgerText)
        address.applicationName = options["--application-name"]
        ledger = try Ledger.openForReading(postgres: address)
        shown = address.description
    }
    // (What opening found worth saying, `serve` said when it opened the ledger.)
    reader = DashboardReader(
        ledger: ledger, location: shown, store: ledgerText.hasPrefix("/") ? "sqlite" : "postgresql")
} catch {
    // `serve` opened this ledger a moment ago: what fails now went wrong since (a server gone).
    fail(69, "cannot read the ledger: \(ErrorText.line(error))")
}
let listing = options["--mirror"].map { directory in
    guard let found = MirrorListing(directory: directory) else { fail(64, "--mirror \(directory): no such directory") }
    return found
}

let router = DashboardRouter(reader: reader)
let done = DispatchSemaphore(value: 0)
nonisolated(unsafe) var failure: Error?
Task.detached {
    do {
        try await DashboardServer.serve(router, mirror: listing, on: listen) { url in
            print("serving the dashboard of \(reader.location) at \(url)")
            if let listing { print("serving \(listing.root) at \(url)mirror/") }
            // Whoever started the server (a script, a test) reads the URL now, not at exit.
            fflush(stdout)
        }
    } catch {
        failure = error
    }
    done.signal()
}
done.wait()
if let failure { fail(69, "cannot serve on \(listenText): \(ErrorText.line(failure))") }
