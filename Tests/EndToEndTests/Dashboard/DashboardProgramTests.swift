import Foundation
import Testing

@testable import TestSupport

/// `serve` becomes casa-release-dashboard (Sources/casa-release-dashboard/main.swift), found
/// beside the binary or in `<prefix>/lib/casa-release/`; without it, `serve` says where it looked.
@Suite struct DashboardProgramTests {
    @Test func anInstalledServeFindsItsServerOrSaysWhereItLooked() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 16)
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let prefix = workspace.root + "/prefix"
            try FileManager.default.createDirectory(atPath: prefix + "/bin", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Workspace.binary, toPath: prefix + "/bin/casa-release")

            let lost = try workspace.run(
                [prefix + "/bin/casa-release", "serve", "--listen", "127.0.0.1:0"], binary: false)
            #expect(lost.status == 69, "\(lost.stderr)")
            #expect(
                lost.stderr.split(separator: "\n").count == 1
                    && lost.stderr.contains("casa-release-dashboard is not installed beside casa-release")
                    && lost.stderr.contains(prefix + "/bin/casa-release-dashboard")
                    && lost.stderr.contains(prefix + "/lib/casa-release/casa-release-dashboard"), "\(lost.stderr)")

            // A file there that is no program: serve cannot become it, and says so.
            let server = prefix + "/lib/casa-release/casa-release-dashboard"
            try FileManager.default.createDirectory(
                atPath: prefix + "/lib/casa-release", withIntermediateDirectories: true)
            try Data("not a program\n".utf8).write(to: URL(fileURLWithPath: server))
            chmod(server, 0o755)
            let broken = try workspace.run(
                [prefix + "/bin/casa-release", "serve", "--listen", "127.0.0.1:0"], binary: false)
            #expect(
                broken.status == 69 && broken.stderr.split(separator: "\n").count == 1
                    && broken.stderr.contains("cannot start \(server): Exec format error"), "\(broken.stderr)")
            try FileManager.default.removeItem(atPath: server)

            try FileManager.default.copyItem(
                atPath: (Workspace.binary as NSString).deletingLastPathComponent + "/casa-release-dashboard",
                toPath: prefix + "/lib/casa-release/casa-release-dashboard")
            let served = try ServedDashboard(workspace, binary: prefix + "/bin/casa-release")
            let runs = try workspace.run(["/usr/bin/curl", "-sf", served.url + "runs.json"], binary: false)
            #expect(runs.status == 0 && runs.stdout.contains("\"pipeline\""), "\(runs.stdout) \(runs.stderr)")
            // The same process: serve became the server, it did not start one beside it.
            #expect(
                try String(contentsOfFile: "/proc/\(served.pid!)/comm", encoding: .utf8).hasPrefix("casa-release-da"))
        }
    }

    /// The server is not a command: started by hand, it says what to run instead.
    @Test func theServerStartedByHandSaysToRunServe() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace(baseBytes: 16)
            let server = (Workspace.binary as NSString).deletingLastPathComponent + "/casa-release-dashboard"
            for arguments in [[], ["--listen"], ["--listen", "127.0.0.1:0"], ["--port", "1"]] {
                let refused = try workspace.run(
                    [server] + arguments, environment: ["CASA_RELEASE_LEDGER": ""], binary: false)
                #expect(
                    refused.status == 64 && refused.stderr.contains("run that instead"),
                    "\(arguments): \(refused.stderr)")
            }
        }
    }
}
