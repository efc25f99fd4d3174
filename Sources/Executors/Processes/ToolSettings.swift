import Foundation

/// Where the steps find their tools (`CASA_RELEASE_APPTAINER`, `CASA_RELEASE_VBOXMANAGE`,
/// `CASA_RELEASE_BUILDAH`, `CASA_RELEASE_PYTHON`, the PATH), how often they look at a VM, and what a failpoint inside a
/// step does. The binary makes one from its own environment; tests that drive runs in process give
/// each run its own, so that runs side by side in one process use their own stand-ins.
public struct ToolSettings: Sendable {
    /// The variables tools are located by (the tools themselves inherit this process's environment).
    public var environment: [String: String]
    /// What a failpoint inside a step does: the binary kills itself, as a crash would; a test in
    /// process throws `FailpointReached`, which its effects turn into the driver's simulated crash.
    public var failpoints: FailpointReaction

    public enum FailpointReaction: Sendable {
        case killThisProcess
        case throwError
    }

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        failpoints: FailpointReaction = .killThisProcess
    ) {
        self.environment = environment
        self.failpoints = failpoints
    }

    /// `CASA_RELEASE_FAILPOINT`: failpoints by name, comma-separated (`vbox-createmedium:after`).
    private func armed(_ failpoint: String) -> Bool {
        environment["CASA_RELEASE_FAILPOINT"]?.split(separator: ",").contains(Substring(failpoint)) == true
    }

    /// Stops here when `failpoint` is armed: SIGKILL, or `FailpointReached` in process.
    func hit(_ failpoint: String) throws {
        guard armed(failpoint) else { return }
        switch failpoints {
        case .killThisProcess: kill(getpid(), SIGKILL)
        case .throwError: throw FailpointReached(name: failpoint)
        }
    }

    /// The full path of `name`, looked up on this settings' PATH (or as given when it has a slash).
    func which(_ name: String) -> String? {
        ProcessRunner.which(name, path: environment["PATH"])
    }
}

/// A failpoint inside a step was reached, in process: the effect before it is made, nothing after.
public struct FailpointReached: Error, Equatable, Sendable {
    public let name: String
}
