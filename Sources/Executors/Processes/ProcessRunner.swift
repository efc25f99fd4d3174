import Foundation
import ReleaseStateMachine

/// Runs external tools. Every command line goes to the step's log before it runs, followed by
/// everything the tool prints and its exit status, so a failed step leaves a log that says why.
public enum ProcessRunner {
    /// Runs `command` (tool path first) with its output appended to `logPath`; returns the exit status.
    public static func run(
        _ command: [String], environment extra: [EnvironmentVariable] = [],
        workingDirectory: String = "/", logPath: String?
    ) throws -> Int32 {
        let log = try openLog(logPath)
        defer { try? log?.close() }
        log?.write(Data(("$ " + command.map(ApptainerDefinition.shellQuoted).joined(separator: " ") + "\n").utf8))
        let sink = log?.fileDescriptor ?? -1
        let status = try TiedProcess.run(
            command, environment: environment(extra), directory: workingDirectory,
            input: -1, output: sink, error: sink)
        log?.write(Data("[exit status \(status)]\n".utf8))
        return status
    }

    /// Runs a short read-only command and returns what it printed on standard output.
    public static func capture(_ command: [String]) throws -> (status: Int32, output: String) {
        let result = try captureWithEnvironment(command, environment: [])
        return (result.status, result.output)
    }

    /// Runs a short command with extra environment variables; returns its status, standard
    /// output and standard error (read through files, so neither pipe can fill up and block).
    public static func captureWithEnvironment(
        _ command: [String], environment: [EnvironmentVariable]
    ) throws -> (status: Int32, output: String, errors: String) {
        let outputFile = tmpfile()
        let errorFile = tmpfile()
        defer { fclose(outputFile); fclose(errorFile) }
        let status = try TiedProcess.run(
            command, environment: self.environment(environment), directory: "/",
            input: -1, output: fileno(outputFile), error: fileno(errorFile))
        return (status, readBack(outputFile), readBack(errorFile))
    }

    private static func readBack(_ file: UnsafeMutablePointer<FILE>?) -> String {
        guard let file else { return "" }
        let descriptor = fileno(file)
        lseek(descriptor, 0, SEEK_SET)
        return String(
            decoding: FileHandle(fileDescriptor: descriptor, closeOnDealloc: false).readDataToEndOfFile(), as: UTF8.self
        )
    }

    /// This process's environment with `extra` set on top.
    private static func environment(_ extra: [EnvironmentVariable]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for variable in extra { environment[variable.name] = variable.value }
        return environment
    }

    private static func openLog(_ path: String?) throws -> FileHandle? {
        guard let path else { return nil }
        try LocalFiles.createDirectories(FilePath.directory(path))
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard descriptor >= 0 else { throw ExecutorError.posix(.cannotCreate, "cannot create the step log", path) }
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// The full path of `name` on `$PATH`, if it is there and executable.
    /// `path`: the directories to look in, this process's `$PATH` when nil.
    public static func which(_ name: String, path: String? = nil) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = path ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = directory + "/" + name
            if access(candidate, X_OK) == 0, !LocalFiles.isDirectory(candidate) { return candidate }
        }
        return nil
    }
}
