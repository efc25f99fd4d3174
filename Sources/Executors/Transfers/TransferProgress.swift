import Foundation

/// The progress line of a transfer on a terminal: bytes done, rate and time left, redrawn at most
/// four times a second on standard error and ended with a newline.
final class TransferProgress {
    private let label: String
    private let started = Date()
    private var lastDrawn = Date.distantPast
    private var drew = false

    init(label: String) {
        self.label = label
    }

    func update(done: Int64, total: Int64) {
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) >= 0.25 else { return }
        lastDrawn = now
        drew = true
        StandardStreams.error(("\r\u{1B}[K  " + Self.line(label: label, done: done, total: total, elapsed: now.timeIntervalSince(started))))
    }

    func finish() {
        if drew { StandardStreams.error("\n") }
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
