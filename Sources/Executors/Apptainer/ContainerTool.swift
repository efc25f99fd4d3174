import Foundation
import ReleaseStateMachine

/// Apptainer, or Singularity when Apptainer is absent (the same container type under two names).
public struct ContainerTool: Equatable, Sendable {
    /// The executable's path.
    public var path: String

    /// The tool to use: `$CASA_RELEASE_APPTAINER` when set, else `apptainer` on the PATH, else
    /// `singularity`, in `tools`' environment. Exit 69 when there is none.
    public static func locate(_ tools: ToolSettings) throws -> ContainerTool {
        if let named = tools.environment["CASA_RELEASE_APPTAINER"], !named.isEmpty {
            guard let path = tools.which(named) else {
                throw ExecutorError(.unavailable, "CASA_RELEASE_APPTAINER names \(named), which is not an executable")
            }
            return ContainerTool(path: path)
        }
        for name in ["apptainer", "singularity"] {
            if let path = tools.which(name) { return ContainerTool(path: path) }
        }
        throw ExecutorError(
            .unavailable,
            "neither apptainer nor singularity is on the PATH: install Apptainer (https://apptainer.org), or name the tool with CASA_RELEASE_APPTAINER=PATH"
        )
    }

    /// What `--version` prints (`apptainer version 1.3.4`), for the record.
    public func version() -> String {
        guard let result = try? ProcessRunner.capture([path, "--version"]), result.status == 0 else { return "unknown" }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The contents of `/casa/image_id` in an image, read with `exec` (nothing is written).
    public func imageIDFile(in image: String) -> String? {
        guard let result = try? ProcessRunner.capture([path, "exec", image, "cat", "/casa/image_id"]),
            result.status == 0
        else { return nil }
        return result.output
    }
}
