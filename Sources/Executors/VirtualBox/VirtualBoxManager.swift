import Foundation
import ReleaseStateMachine

/// `VBoxManage`, as one step uses it: every call goes to the step's log with what it printed and
/// its exit status, and the calls that change something are kept for the step's outcome.
public final class VirtualBoxManager {
    /// The executable's path.
    public let path: String
    /// The step's log, where every call goes.
    let logPath: String?
    /// Where it was found, and what a failpoint inside a step does.
    let tools: ToolSettings
    /// The calls that changed something, in order, with passwords masked.
    public private(set) var changes: [ToolCall] = []

    public init(path: String, logPath: String?, tools: ToolSettings) {
        self.path = path
        self.logPath = logPath
        self.tools = tools
    }

    /// `$CASA_RELEASE_VBOXMANAGE` when set, else `VBoxManage` on the PATH, in `tools`' environment;
    /// exit 69 when there is none.
    public static func locate(_ tools: ToolSettings, logPath: String? = nil) throws -> VirtualBoxManager {
        if let named = tools.environment["CASA_RELEASE_VBOXMANAGE"], !named.isEmpty {
            guard let path = tools.which(named) else {
                throw ExecutorError(.unavailable, "CASA_RELEASE_VBOXMANAGE names \(named), which is not an executable")
            }
            return VirtualBoxManager(path: path, logPath: logPath, tools: tools)
        }
        guard let path = tools.which("VBoxManage") else {
            throw ExecutorError(
                .unavailable,
                "VBoxManage is not on the PATH: install VirtualBox 6 or later (https://www.virtualbox.org), or name the tool with CASA_RELEASE_VBOXMANAGE=PATH"
            )
        }
        return VirtualBoxManager(path: path, logPath: logPath, tools: tools)
    }

    /// Seconds between two looks at a VM (`$CASA_RELEASE_VBOX_POLL_INTERVAL`, default 2).
    var pollInterval: Double {
        tools.environment["CASA_RELEASE_VBOX_POLL_INTERVAL"].flatMap(Double.init).map { max(0.01, $0) } ?? 2
    }

    /// What `--version` prints (`7.0.14r161095`).
    public func version() throws -> String {
        let result = try read(["--version"])
        guard result.status == 0 else {
            throw ExecutorError(.unavailable, "VBoxManage --version failed: \(Self.firstLine(result.errors))")
        }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A call that only reads; logged, not kept.
    @discardableResult
    public func read(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        try call(arguments)
    }

    /// A call that changes something; logged and kept. A failure is a step failure that quotes
    /// VirtualBox's own message.
    @discardableResult
    public func change(_ arguments: [String], what: String) throws -> String {
        // Crash tests' failpoints inside a step (`vbox-createmedium:after`): just before or after
        // the call that changes something.
        try tools.hit("vbox-\(arguments.first ?? ""):before")
        let result = try call(arguments)
        if result.status == 0 { try tools.hit("vbox-\(arguments.first ?? ""):after") }
        changes.append(
            ToolCall(arguments: [FilePath.lastComponent(path)] + Self.masked(arguments), status: result.status))
        guard result.status == 0 else {
            throw ExecutorError(
                .stepFailed,
                "\(what) failed: VBoxManage \(arguments.first ?? "") exited with \(result.status): \(Self.firstLine(result.errors.isEmpty ? result.output : result.errors))"
            )
        }
        return result.output
    }

    /// The VM as `showvminfo --machinereadable` describes it, or nil when VirtualBox has no VM of that name.
    public func machine(_ name: String) throws -> MachineInfo? {
        let result = try read(["showvminfo", name, "--machinereadable"])
        guard result.status == 0 else {
            let message = result.errors + result.output
            if message.contains("Could not find a registered machine") || message.contains("VBOX_E_OBJECT_NOT_FOUND") {
                return nil
            }
            throw ExecutorError(.unavailable, "VBoxManage showvminfo \(name) failed: \(Self.firstLine(message))")
        }
        return MachineInfo(parsing: result.output)
    }

    /// Runs a command in the guest as `user`; its status and output.
    public func guestRun(
        _ machine: String, user: String, password: String, _ script: String
    ) throws -> (status: Int32, output: String, errors: String) {
        try call(
            guestArguments(machine, "run", user: user, password: password) + [
                "--exe", "/bin/sh", "--", "/bin/sh", "-c", script,
            ])
    }

    /// The same, as a change that must succeed.
    public func guestChange(_ machine: String, user: String, password: String, _ script: String, what: String) throws {
        try change(
            guestArguments(machine, "run", user: user, password: password) + [
                "--exe", "/bin/sh", "--", "/bin/sh", "-c", script,
            ], what: what)
    }

    public func guestCopy(
        _ machine: String, user: String, password: String, file: String, into directory: String
    ) throws {
        try change(
            guestArguments(machine, "copyto", user: user, password: password) + [
                "--target-directory", directory + "/", file,
            ],
            what: "copying \(FilePath.lastComponent(file)) into the guest")
    }

    private func guestArguments(_ machine: String, _ command: String, user: String, password: String) -> [String] {
        ["guestcontrol", machine, command, "--username", user, "--password", password]
    }

    private func call(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let result = try ProcessRunner.captureWithEnvironment([path] + arguments, environment: [])
        appendToLog(
            "$ VBoxManage " + Self.masked(arguments).map(ApptainerDefinition.shellQuoted).joined(separator: " ") + "\n"
                + result.output + result.errors + "[exit status \(result.status)]\n")
        return result
    }

    private func appendToLog(_ text: String) {
        guard let logPath else { return }
        try? LocalFiles.createDirectories(FilePath.directory(logPath))
        let descriptor = open(logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
        handle.write(Data(text.utf8))
    }

    /// The arguments with the value of every `--password` masked: the guest passwords are
    /// documented, but passwords stay out of records on principle.
    static func masked(_ arguments: [String]) -> [String] {
        var result = arguments
        for index in result.indices.dropLast() where result[index] == "--password" { result[index + 1] = "***" }
        return result
    }

    static func firstLine(_ text: String) -> String {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.first { $0.contains("error:") } ?? lines.first ?? "no message"
    }
}

/// What `VBoxManage showvminfo NAME --machinereadable` says: `key="value"` lines.
public struct MachineInfo: Equatable, Sendable {
    public var values: [String: String]

    public init(parsing text: String) {
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[Self.unquoted(line[..<equals])] = Self.unquoted(line[line.index(after: equals)...])
        }
        self.values = values
    }

    private static func unquoted(_ text: Substring) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= 2, trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") else { return trimmed }
        return String(trimmed.dropFirst().dropLast())
    }

    public subscript(_ key: String) -> String? { values[key] }
    public var uuid: String? { values["UUID"] }
    /// `running`, `poweroff`, `saved`, `paused`, `aborted`...
    public var state: String? { values["VMState"] }
    public var isRunning: Bool { state == "running" || state == "paused" || state == "stuck" }
    public var isOff: Bool { state == "poweroff" || state == "aborted" }
    /// The media attached to a storage controller, by `<controller>-<port>-<device>`.
    public func medium(controller: String, port: Int) -> String? {
        values["\(controller)-\(port)-0"].flatMap { $0 == "none" || $0 == "emptydrive" ? nil : $0 }
    }
    public func hasController(_ name: String) -> Bool {
        values.contains { $0.key.hasPrefix("storagecontrollername") && $0.value == name }
    }
}
