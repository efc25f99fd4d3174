import ArgumentParser
import Dashboard
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release serve [--listen HOST:PORT]`: the release dashboard, read-only.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the release dashboard: runs, a run's timeline, images, environments, targets, the ledger.",
        discussion: """
            Read-only, over either ledger (--ledger), on 127.0.0.1 by default. Each page has the \\
            same data as JSON at its path with .json (docs/dashboard.md); a run in progress updates \\
            its page as steps start and finish, also when another process or host drives it. Prints \\
            the URL once it listens; stops on SIGINT or SIGTERM.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Where to listen: HOST:PORT (IPv4, or [IPv6]); port 0 takes a free one.")
    var listen: String = "127.0.0.1:8650"

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
        let reader = try global.dashboardReader()
        let router = DashboardRouter(reader: reader)
        let output = global.output
        let done = DispatchSemaphore(value: 0)
        let failure = ServeFailure()
        Task.detached {
            do {
                try await DashboardServer.serve(router, on: address) { url in
                    output.result("serving the dashboard of \(reader.location) at \(url)")
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
