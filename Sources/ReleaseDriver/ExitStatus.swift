import ReleaseStateMachine

/// casa-release's exit codes, after sysexits (docs/design.md, "The command line").
public enum ExitStatus: Int32, Sendable {
    case done = 0
    case stepFailed = 1
    case awaitingOperator = 2
    case usage = 64
    case badInput = 65
    case unavailable = 69
    case internalError = 70
    case cannotCreate = 73
    case temporaryFailure = 75

    public init(_ kind: FailureKind) {
        switch kind {
        case .stepFailed: self = .stepFailed
        case .badInput: self = .badInput
        case .unavailable: self = .unavailable
        case .cannotCreate: self = .cannotCreate
        case .temporary: self = .temporaryFailure
        }
    }
}
