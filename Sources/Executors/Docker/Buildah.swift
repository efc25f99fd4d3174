import Foundation
import ReleaseStateMachine

/// Debian's `buildah`, run without a daemon: chroot isolation, the vfs storage driver, and the
/// storage under the base directory, so that nothing outside it is touched.
/// `CASA_RELEASE_BUILDAH` names another executable (the tests' logging wrapper).
struct Buildah {
    var path: String
    var storage: DockerStorage

    static func locate(_ storage: DockerStorage, _ tools: ToolSettings) throws -> Buildah {
        if let explicit = tools.environment["CASA_RELEASE_BUILDAH"], !explicit.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: explicit) else {
                throw ExecutorError(.unavailable, "CASA_RELEASE_BUILDAH=\(explicit) is not an executable")
            }
            return Buildah(path: explicit, storage: storage)
        }
        guard let path = tools.which("buildah") else {
            throw ExecutorError(.unavailable, "buildah is not installed (Debian: apt-get install buildah uidmap)")
        }
        return Buildah(path: path, storage: storage)
    }

    /// The options every call starts with.
    var global: [String] { [path, "--root", storage.root, "--runroot", storage.runRoot, "--storage-driver", "vfs"] }

    /// `buildah --version`, for the record.
    func version() throws -> String {
        let (status, output) = try ProcessRunner.capture([path, "--version"])
        guard status == 0 else { throw ExecutorError(.unavailable, "\(path) --version exited with status \(status)") }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `buildah <arguments>` with its output in `logPath`; an error says what failed and where
    /// the log is.
    func run(_ arguments: [String], logPath: String?, what: String) throws {
        let status = try ProcessRunner.run(global + arguments, logPath: logPath)
        guard status == 0 else {
            var message = "\(what): buildah \(arguments.first ?? "") exited with status \(status)"
            if let logPath { message += "; its output is in \(logPath)" }
            throw ExecutorError(.stepFailed, message)
        }
    }

    /// The manifest digest buildah's storage has for `reference`, or nil when it has no such image.
    func digest(of reference: String) -> String? {
        guard
            let (status, output) = try? ProcessRunner.capture(
                global + ["inspect", "--type", "image", "--format", "{{.FromImageDigest}}", reference]),
            status == 0
        else { return nil }
        let digest = output.trimmingCharacters(in: .whitespacesAndNewlines)
        return DockerDigest.isValid(digest) ? digest : nil
    }
}

/// The docker tools, as the commands see them before a run starts.
public enum DockerTool {
    /// What `buildah --version` says; an error (exit 69) when buildah cannot be run.
    public static func buildahVersion(_ storage: DockerStorage, _ tools: ToolSettings) throws -> String {
        try Buildah.locate(storage, tools).version()
    }
}
