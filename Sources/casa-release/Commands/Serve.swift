import ArgumentParser
import Dashboard
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release serve [--listen HOST:PORT] [--mirror DIR]`: the release dashboard, read-only.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
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
        guard let address = DashboardServer.Listen.parse(listen) else {
            throw CommandFailure(.usage, "--listen \(listen): give HOST:PORT, an IPv4 address or [IPv6] and a port")
        }
        // SIGINT and SIGTERM stop the server: unblocked here, before any thread starts, since a
        // parent may have started casa-release with them blocked (a blocked mask is inherited).
        var stopping = sigset_t()
        sigemptyset(&stopping)
        sigaddset(&stopping, SIGINT)
        sigaddset(&stopping, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &stopping, nil)
        let listing = try mirror.map { directory in
            guard let found = MirrorListing(directory: Paths.absolute(directory)) else {
                throw CommandFailure(.usage, "--mirror \(directory): no such directory")
            }
            return found
        }
        let reader = try global.dashboardReader()
        let router = DashboardRouter(reader: reader)
        let output = global.output
        let done = DispatchSemaphore(value: 0)
        let failure = ServeFailure()
        Task.detached {
            do {
                try await DashboardServer.serve(router, mirror: listing, on: address) { url in
                    output.result("serving the dashboard of \(reader.location) at \(url)")
                    if let listing { output.result("serving \(listing.root) at \(url)mirror/") }
                    // Whoever started the server (a script, a test) reads the URL now, not at exit.
                    fflush(stdout)
                }
            } catch {
                failure.error = error
            }
            done.signal()
        }
        done.wait()
        if let error = failure.error {
            throw CommandFailure(.unavailable, "cannot serve on \(listen): \(ErrorText.line(error))")
        }
    }
}

/// What stopped the server, handed from its task to the command.
private final class ServeFailure: @unchecked Sendable {
    var error: Error?
}
