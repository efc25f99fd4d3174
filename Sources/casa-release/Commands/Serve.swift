import ArgumentParser
import Dashboard
import Foundation
import Executors
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release serve [--listen HOST:PORT] [--mirror DIR]`: the release dashboard, read-only.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", _superCommandName: DirectParse.superCommandName,
        abstract: "Serve the release dashboard: runs, a run's timeline, images, environments, targets, the ledger.",
        discussion: """
            Read-only, over either ledger (--ledger), on 127.0.0.1 by default. Each page has the \\
            same data as JSON at its path with .json (docs/dashboard.md); a run in progress updates \\
            its page as steps start and finish, also when another process or host drives it. Prints \\
            the URL once it listens; stops on SIGINT or SIGTERM. With --mirror DIR, a local \\
            publication target is served at /mirror/ as well, with Apache-style listings.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Where to listen: HOST:PORT (IPv4, or [IPv6]); port 0 takes a free one.")
    var listen: String = "127.0.0.1:8650"

    @Option(
        help: ArgumentHelp(
            "Serve this directory (a local publication target) at /mirror/ too, listed as Apache lists a download site: the listing casa-distro's client reads.",
            valueName: "directory"))
    var mirror: String?

    func run() throws {
        guard ListenAddress.parse(listen) != nil else {
            throw CommandFailure(.usage, "--listen \(listen): give HOST:PORT, an IPv4 address or [IPv6] and a port")
        }
        let mirrorDirectory = try mirror.map { directory in
            let absolute = Paths.absolute(directory)
            guard LocalFiles.isDirectory(absolute) else {
                throw CommandFailure(.usage, "--mirror \(directory): no such directory")
            }
            return absolute
        }
        // The ledger is opened here, once, so that a missing or unreadable one is this command's
        // error; the server opens it again in the same process.
        let location = try global.resolvedLedger
        _ = try global.dashboardReader()
        let server = try DashboardProgram.located()
        var arguments = [server, "--listen", listen, "--application-name", ProcessIdentity.sessionName]
        if let mirrorDirectory { arguments += ["--mirror", mirrorDirectory] }
        // The ledger goes in the environment, never on the command line, where a password in a
        // postgres:// URL would show in ps; a file is given by its absolute path.
        let ledger: String
        switch location {
        case .file(let path): ledger = path
        case .postgres: ledger = global.namedLedger ?? ""
        }
        // SIGINT and SIGTERM stop the server: unblocked here, since a blocked mask is inherited
        // across exec, and a parent may have started casa-release with them blocked.
        var stopping = sigset_t()
        sigemptyset(&stopping)
        sigaddset(&stopping, SIGINT)
        sigaddset(&stopping, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &stopping, nil)
        setenv("CASA_RELEASE_LEDGER", ledger, 1)
        fflush(stdout)
        fflush(stderr)
        let status = DashboardProgram.exec(arguments)
        throw CommandFailure(.unavailable, "cannot start \(server): \(String(cString: strerror(status)))")
    }
}
