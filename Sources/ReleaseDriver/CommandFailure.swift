import Executors
import Foundation
import ReleaseLedger
import ReleaseStateMachine
import Signing

/// An error that ends the command: one readable line and an exit status.
public struct CommandFailure: Error, CustomStringConvertible {
    public var status: ExitStatus
    public var message: String

    public init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }

    /// The message and status for any error a command lets escape.
    public static func from(_ error: Error) -> CommandFailure {
        switch error {
        case let failure as CommandFailure:
            return failure
        case let error as ExecutorError:
            return CommandFailure(ExitStatus(error.kind), error.message)
        case let error as LedgerError:
            switch error {
            case .cannotOpen, .moved, .otherHistory: return CommandFailure(.cannotCreate, error.description)
            case .notALedger, .missing, .vanished, .newerSchema, .olderSchema, .unreadableEvent:
                return CommandFailure(.badInput, error.description)
            case .conflict, .unreachable, .busy, .sourceChanged:
                return CommandFailure(.temporaryFailure, error.description)
            case .refused: return CommandFailure(.unavailable, error.description)
            case .serverError: return CommandFailure(.internalError, error.description)
            case .unknownRun, .ambiguousRun, .unknownImage, .ambiguousImage:
                return CommandFailure(.usage, error.description)
            }
        case let error as DomainError:
            if case .leaseHeld = error { return CommandFailure(.temporaryFailure, error.description) }
            if case .fenced = error { return CommandFailure(.temporaryFailure, error.description) }
            return CommandFailure(.badInput, error.description)
        case let error as SigningError:
            switch error.kind {
            case .unusableKey, .passphrase: return CommandFailure(.unavailable, error.message)
            case .cannotWrite: return CommandFailure(.cannotCreate, error.message)
            case .malformed: return CommandFailure(.badInput, error.message)
            case .library: return CommandFailure(.internalError, "internal error: \(error.message)")
            }
        case let error as PlanningError:
            return CommandFailure(.internalError, "internal error: \(error)")
        case let error as DecodingError:
            return CommandFailure(.badInput, ErrorText.line(error))
        default:
            // Foundation's errors are about files and data the command was given or writes:
            // said as path and reason, never as `Error Domain=... UserInfo=...`.
            let error = error as NSError
            let writing = error.domain == NSCocoaErrorDomain && (512...642).contains(error.code)
            return CommandFailure(
                writing ? .cannotCreate : .internalError, (writing ? "" : "internal error: ") + ErrorText.line(error))
        }
    }
}
