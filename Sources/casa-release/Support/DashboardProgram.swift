import Executors
import Foundation
import ReleaseDriver

/// `casa-release-dashboard`, the program `serve` becomes: the HTTP server, kept out of
/// casa-release so that its library's networking (and libcurl, which that links) costs no other
/// command its start (Sources/casa-release-dashboard/main.swift).
enum DashboardProgram {
    static let name = "casa-release-dashboard"

    /// Where it is looked for, for the binary at `executable`: beside it (a build, a tarball), then
    /// `<prefix>/lib/casa-release/` for `<prefix>/bin/casa-release` (the Debian package, /usr/local).
    static func candidates(executable: String = DockerDefinitionSearch.runningExecutable) -> [String] {
        let binDirectory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        return [
            binDirectory.appendingPathComponent(name).path,
            binDirectory.appendingPathComponent("../lib/casa-release/\(name)").standardized.path,
        ]
    }

    /// The first candidate that can be run; else the error names every place looked in.
    static func located(executable: String = DockerDefinitionSearch.runningExecutable) throws -> String {
        let looked = candidates(executable: executable)
        guard let found = looked.first(where: { access($0, X_OK) == 0 }) else {
            throw CommandFailure(
                .unavailable,
                "cannot serve: \(name) is not installed beside casa-release (looked for \(looked.joined(separator: ", ")))"
            )
        }
        return found
    }

    /// Replaces this process by the program; returns only when that failed, with errno.
    static func exec(_ arguments: [String]) -> Int32 {
        var pointers = arguments.map { strdup($0) } + [nil]
        execv(arguments[0], &pointers)
        return errno
    }
}
