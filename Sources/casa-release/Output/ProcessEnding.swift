import ArgumentParser
import Executors
import Foundation
import ReleaseDriver

/// How the process ends: what it says, where, and its exit status; a value, so the tests check
/// endings in process, and `end()` the one place that carries one out.
enum ProcessEnding: Equatable {
    /// `text` on standard output, exit 0 (help, a completion script).
    case output(String)
    /// `casa-release: MESSAGE` as one line on standard error, exit `status`.
    case refusal(String, status: Int32)
    /// Nothing more said (the command said what it had to), exit `status`.
    case status(Int32)

    /// How a command that threw `error` ends.
    static func after(_ error: Error) -> ProcessEnding {
        switch error {
        case let exit as ExitCode:
            return .status(exit.rawValue)
        case _ where CasaRelease.exitCode(for: error) == .success:
            // `casa-release help [COMMAND]` runs a help command whose "error" is the help text.
            return .output(CasaRelease.fullMessage(for: error) + "\n")
        case let error as ValidationError:
            return .refusal(error.message, status: ExitStatus.usage.rawValue)
        default:
            let failure = CommandFailure.from(error)
            return .refusal(failure.message, status: failure.status.rawValue)
        }
    }

    /// The exit status this ending gives.
    var exitStatus: Int32 {
        switch self {
        case .output: return 0
        case .refusal(_, let status), .status(let status): return status
        }
    }

    /// Says what this ending says and exits with its status.
    func end() -> Never {
        switch self {
        case .output(let text):
            // (Through stdio, which `exit` flushes; with SIGPIPE ignored, see `Main`, a closed
            // pipe drops what cannot be printed.)
            print(text, terminator: "")
        case .refusal(let message, _):
            StandardStreams.error("casa-release: \(message)\n")
        case .status:
            break
        }
        exit(exitStatus)
    }
}
