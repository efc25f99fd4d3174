import ArgumentParser
import Executors
import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// Removes secrets from what is recorded.
enum Redaction {
    /// The command line with passwords in URLs removed.
    static func commandLine(_ arguments: [String]) -> [String] {
        arguments.dropFirst().map { argument in
            guard let range = argument.range(of: "://") else { return argument }
            let prefix = argument[..<range.upperBound]
            let rest = String(argument[range.upperBound...])
            return String(prefix) + TargetAddress.normalize("x://" + rest).dropFirst(4)
        }
    }
}
