import Foundation

/// Whether long local reads and writes (a copy, a hash) draw a progress line. The command line
/// sets it once, before the first step, for a terminal without `--quiet` or `--json`; a process
/// has one standard error, so one switch for it is the honest shape.
public enum ProgressLines {
    nonisolated(unsafe) public static var enabled = false
    /// Files smaller than this are read without a line: they take no time worth watching.
    public static let threshold: Int64 = 8 << 20
}

/// The progress line of a transfer, a copy or a hash on a terminal: bytes done, rate and time
/// left, redrawn at most four times a second on standard error, and ended with the final figures
/// (never left frozen at its last redraw).
public final class TransferProgress {
    private let label: String
    private let started = Date()
    private var lastDrawn = Date.distantPast
    private var drew = false
    private var done: Int64 = 0
    private var total: Int64 = 0

    public init(label: String) {
        self.label = label
    }

    /// `force`: draw now, even within a quarter of a second of the last redraw.
    public func update(done: Int64, total: Int64, force: Bool = false) {
        self.done = done
        self.total = total
        let now = Date()
        guard force || now.timeIntervalSince(lastDrawn) >= 0.25 else { return }
        lastDrawn = now
        drew = true
        StandardStreams.error(
            ("\r\u{1B}[K  " + Self.line(label: label, done: done, total: total, elapsed: now.timeIntervalSince(started)))
        )
    }

    /// Ends the line with what was done, in how long (`copy x.sif  1.4 GiB in 0:12, 118.2 MiB/s`).
    public func finish() {
        guard drew else { return }
        StandardStreams.error(
            "\r\u{1B}[K  " + Self.summary(label: label, done: done, elapsed: Date().timeIntervalSince(started)) + "\n")
        drew = false
    }

    static func summary(label: String, done: Int64, elapsed: Double) -> String {
        let seconds = Int(elapsed.rounded())
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        return "\(label)  \(bytes(done)) in " + String(format: "%d:%02d", seconds / 60, seconds % 60)
            + ", \(bytes(Int64(rate)))/s"
    }

    /// `upload casa-run-5.4-2.sif  512.0 MiB / 1.0 GiB  95.3 MiB/s  0:05 left`
    static func line(label: String, done: Int64, total: Int64, elapsed: Double) -> String {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var text = "\(label)  \(bytes(done))"
        if total > 0 { text += " / \(bytes(total))" }
        text += "  \(bytes(Int64(rate)))/s"
        if total > done, rate > 0 {
            let left = Int((Double(total - done) / rate).rounded(.up))
            text += String(format: "  %d:%02d left", left / 60, left % 60)
        }
        return text
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}
