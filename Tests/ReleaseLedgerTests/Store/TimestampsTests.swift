import Foundation
import Testing
import ReleaseLedger

/// The hand-written timestamps are what `ISO8601DateFormatter` (UTC, milliseconds) wrote.
@Suite struct TimestampsTests {
    @Test func asTheFormatterWroteThem() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generator = SystemRandomNumberGenerator()
        // Whole milliseconds (what the ledger writes), from 1970 to 2100, and the edges of a day and a year.
        var dates = (0..<2000).map { _ in
            Date(timeIntervalSince1970: Double(Int64.random(in: 0...4_102_444_800_000, using: &generator)) / 1000)
        }
        // Any instant (Date() has sub-millisecond digits), and the edges of a day and a year.
        dates += (0..<2000).map { _ in
            Date(timeIntervalSince1970: Double.random(in: 0...4_102_444_800, using: &generator))
        }
        dates += [0, 86_399.999, 86_399.9996, 951_782_400, 1_798_761_599.999, 1_798_761_599.9999, 1_798_761_600].map(
            Date.init(timeIntervalSince1970:))
        for date in dates {
            #expect(Timestamps.iso8601(date) == formatter.string(from: date), "\(date.timeIntervalSince1970)")
        }
    }
}
