import Foundation
import ReleaseStateMachine

/// `apptainer build` into a hidden temporary file, renamed to the output only once the build
/// succeeded: a failed build leaves nothing under the output's name, and no sidecar.
public enum ApptainerBuildStep {
    public static func build(_ intent: BuildImageIntent, logPath: String?, tools: ToolSettings) throws -> BuiltImage {
        let tool = try ContainerTool.locate(tools)
        let definition = try FileDigests.compute(path: intent.definition)
        guard definition.sha256 == intent.definitionSHA256 else {
            throw ExecutorError(
                .badInput, "the definition \(intent.definition) changed since it was rendered; start a new run")
        }
        let copiedTree = try intent.copiedTree.map { tree -> TreeSummary in
            guard LocalFiles.isDirectory(tree) else {
                throw ExecutorError(.badInput, "the install tree \(tree) is missing: run with install=yes")
            }
            return try TreeDigest.summarize(tree)
        }
        // What an earlier, killed attempt left half-written is garbage.
        try LocalFiles.remove(intent.temporary)
        var command = [tool.path] + intent.arguments
        if !intent.fakeroot, geteuid() != 0, let sudo = ProcessRunner.which("sudo") {
            // Without fakeroot a build needs root, which casa-distro also got through sudo.
            command = [sudo, "-E"] + command
        }
        let status = try ProcessRunner.run(command, workingDirectory: "/", logPath: logPath)
        guard status == 0, let built = LocalFiles.status(intent.temporary), built.isRegular else {
            try? LocalFiles.remove(intent.temporary)
            var message = "\(FilePath.lastComponent(tool.path)) build exited with status \(status)"
            if status == 0 { message = "\(FilePath.lastComponent(tool.path)) build made no image" }
            if let logPath { message += "; its output is in \(logPath)" }
            if intent.fakeroot {
                message +=
                    " (if fakeroot is not set up for you: sudo \(FilePath.lastComponent(tool.path)) config fakeroot --add $USER)"
            }
            throw ExecutorError(.stepFailed, message)
        }
        try LocalFiles.putInPlace(
            intent.temporary, at: intent.output, replace: intent.force, staleCompanions: [intent.output + ".json"])
        return BuiltImage(output: intent.output, command: command, size: built.size, copiedTree: copiedTree)
    }

    /// Built when the output exists and `/casa/image_id` in it names this run's image_id (read with
    /// `apptainer exec`, which changes nothing); an output from another build is not this one.
    public static func reconcile(_ intent: BuildImageIntent, tools: ToolSettings) throws -> BuiltImage? {
        try LocalFiles.remove(intent.temporary)
        guard let status = LocalFiles.status(intent.output), status.isRegular else { return nil }
        let tool = try ContainerTool.locate(tools)
        guard let content = tool.imageIDFile(in: intent.output), content.contains("\"\(intent.imageID)\"") else {
            return nil
        }
        let copiedTree = try intent.copiedTree.flatMap {
            LocalFiles.isDirectory($0) ? try TreeDigest.summarize($0) : nil
        }
        return BuiltImage(output: intent.output, command: [], size: status.size, copiedTree: copiedTree)
    }
}
