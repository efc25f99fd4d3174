import Foundation
import ReleaseStateMachine

/// `make install-runtime` and `make post-install` inside the dev container, into an emptied
/// `<env>/install`. A marker beside the run's logs records the finished tree, so that a crash
/// between the install and its record does not cost a second install.
public enum InstallStep {
    public static func perform(_ intent: InstallIntent, logPath: String?, tools: ToolSettings) throws -> InstalledTree {
        let tool = try ContainerTool.locate(tools)
        try LocalFiles.remove(intent.markerPath)
        // casa-distro crashed when install/ did not exist yet; an absent tree is simply made.
        try LocalFiles.removeTree(intent.installDirectory)
        try LocalFiles.createDirectories(intent.installDirectory)
        try LocalFiles.createDirectories(intent.environmentDirectory + "/home")
        var commands: [[String]] = []
        for arguments in intent.commands {
            let command = [tool.path] + arguments
            commands.append(command)
            let status = try ProcessRunner.run(
                command, environment: intent.environment, workingDirectory: "/", logPath: logPath)
            guard status == 0 else {
                let what = arguments.last.map { $0.replacingOccurrences(of: "bv_env_test ", with: "") } ?? "make"
                throw ExecutorError(
                    .stepFailed,
                    "\(what) failed in the dev container (exit status \(status))"
                        + (logPath.map { "; its output is in \($0)" } ?? ""))
            }
        }
        let tree = try TreeDigest.summarize(intent.installDirectory)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try LocalFiles.createDirectories(FilePath.directory(intent.markerPath))
        try LocalFiles.writeAtomically(try encoder.encode(tree), to: intent.markerPath)
        return InstalledTree(commands: commands, tree: tree)
    }

    /// Installed when the marker is there and the tree still is what it recorded.
    public static func reconcile(_ intent: InstallIntent) throws -> InstalledTree? {
        guard let data = FileManager.default.contents(atPath: intent.markerPath),
            let recorded = try? JSONDecoder().decode(TreeSummary.self, from: data),
            LocalFiles.isDirectory(intent.installDirectory),
            try TreeDigest.summarize(intent.installDirectory) == recorded
        else { return nil }
        return InstalledTree(commands: [], tree: recorded)
    }
}
