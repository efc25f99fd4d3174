import Executors
import Foundation

/// The question `resume` asks on a terminal when the run waits for an operator.
enum OperatorPrompt {
    /// Only a person at a terminal is asked: standard input and standard error are terminals,
    /// and the output is not JSON for a program.
    static func isInteractive(_ output: Output) -> Bool {
        !output.json && isatty(STDIN_FILENO) == 1 && isatty(STDERR_FILENO) == 1
    }

    /// Asks on standard error, reads a line; yes only for y or yes.
    static func ask(_ question: String) -> Bool {
        StandardStreams.error(question)
        guard let answer = readLine() else { return false }
        return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }
}
