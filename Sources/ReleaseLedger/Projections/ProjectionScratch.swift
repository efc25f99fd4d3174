import Foundation
import GRDB

/// Where `checkProjections` rebuilds the projections: one SQLite temporary database per worker
/// (opened with an empty name), with the ledger's schema and no durability. Each worker compares
/// its own with the ledger's rows of its runs (RunRanges).
///
/// A temporary database lives in SQLite's page cache, and goes to a file only for what does not
/// fit in `cacheKiB`: a file SQLite unlinks as it creates it (in `SQLITE_TMPDIR`, `TMPDIR` or
/// /var/tmp), so that nothing is left behind, even by a process killed. A 10,000-run ledger's
/// halves fit; a big ledger's projections (gigabytes) go to disk past the cache, and memory
/// stays bounded. Named scratch files were written, then read back, through the kernel at every
/// page: the temporary databases took 7% off `verify` (docs/benchmarks.md).
final class ProjectionScratch {
    let partitions: [DatabaseQueue]

    /// The secondary indexes a fold looks rows up by (a rollback's or a retraction's `DELETE …
    /// WHERE run_id = ?`). The others serve the commands' reads, which never come to a scratch
    /// copy, and the copy is compared in its key order (its primary keys): kept, they were
    /// written at every insert and update of the rebuild for nothing (docs/benchmarks.md).
    static let indexesTheFoldReads: Set<String> = ["build_number_reservations_by_run"]

    /// The memory each partition keeps before it spills to its file.
    static let defaultCacheKiB = 128 * 1024

    init(partitions count: Int, cacheKiB: Int = ProjectionScratch.defaultCacheKiB) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(
                sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -\(cacheKiB)")
        }
        var queues: [DatabaseQueue] = []
        for _ in 0..<count {
            let queue = try DatabaseQueue(path: "", configuration: configuration)
            try Ledger.migrator.migrate(queue)
            try queue.write { db in
                let unread = try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
                for index in unread where !Self.indexesTheFoldReads.contains(index) {
                    try db.execute(sql: "DROP INDEX \(index)")
                }
            }
            queues.append(queue)
        }
        partitions = queues
    }

    func remove() {
        for queue in partitions { try? queue.close() }
    }
}

/// SQLite's order of values in an `ORDER BY` without collation: NULL, then numbers, then text
/// by its bytes (BINARY), then blobs; so that two cursors ordered by SQLite can be merged here.
enum SQLiteOrder {
    static func compare(_ left: [SQLValue], _ right: [SQLValue]) -> Int {
        for (a, b) in zip(left, right) {
            let order = compare(a, b)
            if order != 0 { return order }
        }
        return left.count - right.count
    }

    static func compare(_ a: SQLValue, _ b: SQLValue) -> Int {
        switch (a.asSQLite, b.asSQLite) {
        case (.null, .null): return 0
        case (.null, _): return -1
        case (_, .null): return 1
        case (.integer(let x), .integer(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.integer(let x), .real(let y)): return Double(x) < y ? -1 : (Double(x) > y ? 1 : 0)
        case (.real(let x), .integer(let y)): return x < Double(y) ? -1 : (x > Double(y) ? 1 : 0)
        case (.real(let x), .real(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.integer, _), (.real, _): return -1
        case (_, .integer), (_, .real): return 1
        case (.text(let x), .text(let y)): return bytes(x, y)
        case (.text, _): return -1
        case (_, .text): return 1
        case (.blob(let x), .blob(let y)): return x.withUnsafeBytes { a in y.withUnsafeBytes { b in bytes(a, b) } }
        // (asSQLite leaves no booleans.)
        default: return 0
        }
    }

    /// Two texts by their UTF-8 bytes, without copying them (copying both into arrays, this
    /// order took a sixth of the comparison's time: perf of `verify`, 2,000 runs).
    private static func bytes(_ x: String, _ y: String) -> Int {
        var x = x
        var y = y
        return x.withUTF8 { a in y.withUTF8 { b in bytes(UnsafeRawBufferPointer(a), UnsafeRawBufferPointer(b)) } }
    }

    private static func bytes(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Int {
        let common = min(x.count, y.count)
        if common > 0, let a = x.baseAddress, let b = y.baseAddress {
            let order = memcmp(a, b, common)
            if order != 0 { return order < 0 ? -1 : 1 }
        }
        return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
    }
}
