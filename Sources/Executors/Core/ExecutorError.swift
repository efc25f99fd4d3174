import Foundation
import ReleaseStateMachine

/// A step's effect failed: a readable reason, and the kind of failure, which decides the exit code.
public struct ExecutorError: Error, Equatable, CustomStringConvertible {
    public var kind: FailureKind
    public var message: String

    public init(_ kind: FailureKind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func posix(_ kind: FailureKind, _ what: String, _ path: String, errno code: Int32 = errno) -> ExecutorError {
        ExecutorError(kind, "\(what) \(path): \(String(cString: strerror(code)))")
    }
}
