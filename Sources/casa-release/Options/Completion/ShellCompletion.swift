import ArgumentParser
import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// What the shell completes beyond option names: run ids from the ledger (for status, resume,
/// confirm, log, rollback), the steps of a run that wait for an operator (for confirm), and the
/// values of the options that take one of a few words. The ledger is found the way the command
/// would find it: `--ledger`, `--base-dir` among the words typed, else the environment.
enum ShellCompletion {
    static let runIDs = CompletionKind.custom { words, _, prefix in
        (try? recentRuns(words).map(\.runID).filter { $0.hasPrefix(prefix) }) ?? []
    }

    /// The operator steps of the run named after `confirm` that wait for a confirmation.
    static let operatorSteps = CompletionKind.custom { words, _, prefix in
        guard
            let run = words.drop(while: { $0 != "confirm" }).dropFirst().first(where: {
                !$0.hasPrefix("-") && !$0.contains("=")
            }),
            let ledger = try? openLedger(words), let runID = try? ledger.resolveRunID(run),
            let state = try? ledger.state(of: runID)
        else { return [] }
        return state.steps.filter { $0.status == .awaitingOperator }.map(\.name.rawValue).filter {
            $0.hasPrefix(prefix)
        }
    }

    static let imageTypes = CompletionKind.list(["system", "run", "dev", "pixi"])
    static let containerTypes = CompletionKind.list(["singularity", "apptainer", "vbox"])

    private static func recentRuns(_ words: [String]) throws -> [RunSummary] {
        try openLedger(words).runs(limit: 50)
    }

    private static func openLedger(_ words: [String]) throws -> Ledger {
        try ledgerLocation(words).openForReading()
    }

    /// The ledger the words name (`--ledger`, `--base-dir`, else the environment): a file or a database.
    static func ledgerLocation(
        _ words: [String], environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> LedgerLocation {
        try GlobalOptions.ledgerLocation(
            given: value(of: ["ledger"], in: words),
            baseDirectory: value(of: ["base-dir", "base-directory"], in: words),
            environment: environment)
    }

    /// The value of the first of `names` in `words`: `--name X`, `--name=X`, `name=X`, `name_with_underscores=X`.
    private static func value(of names: [String], in words: [String]) -> String? {
        for (index, word) in words.enumerated() {
            for name in names {
                if word == "--" + name, index + 1 < words.count { return words[index + 1] }
                for prefix in ["--" + name + "=", name + "=", name.replacingOccurrences(of: "-", with: "_") + "="]
                where word.hasPrefix(prefix) {
                    return String(word.dropFirst(prefix.count))
                }
            }
        }
        return nil
    }
}
