import Executors
import Foundation

/// Where the command line writes: results on standard output, progress and notes on standard
/// error (so that `--json` output stays clean), errors as one line.
struct Output {
    var json: Bool
    /// `-v`: the details a run usually says once (each skipped step, not one line per reason).
    var verbose = false

    func result(_ text: String) {
        print(text)
    }

    func progress(_ text: String) {
        guard !json else { return }
        StandardStreams.error("  \(text)\n")
    }

    func note(_ text: String) {
        guard !json else { return }
        StandardStreams.error("casa-release: \(text)\n")
    }

    func emitJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
