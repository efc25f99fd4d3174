/// How a parallel replay shares a ledger's runs among its workers: by ranges of run_id, in byte
/// order (SQLite's BINARY collation, PostgreSQL's "C"). Each worker can then compare what it
/// rebuilt with the ledger's rows of the same runs (`WHERE run_id < ?`: every projection row has
/// its run's id) as soon as its own fold ends, on its own core, while the other still folds.
///
/// Any bounds give a right answer, since every run falls in exactly one range; good ones give
/// each worker as many runs. They are read from the ledger's `runs` table, which the check is
/// about to compare, so a hand-edited table only makes the halves unequal.
struct RunRanges: Equatable {
    /// Sorted: range `i` holds the runs from `bounds[i - 1]` (included) to `bounds[i]` (excluded).
    let bounds: [String]

    /// How many ranges.
    var count: Int { bounds.count + 1 }

    /// The range `run` falls in.
    func range(of run: String) -> Int {
        var range = 0
        while range < bounds.count, !run.utf8.lexicographicallyPrecedes(bounds[range].utf8) { range += 1 }
        return range
    }

    /// The condition that selects the rows of range `range`; a row without a run_id (there is
    /// none, but a hand-made one must be compared too) falls in the last.
    func condition(_ range: Int, dialect: SQLDialect) -> (sql: String, arguments: SQLArguments) {
        let column = dialect.bytewise("run_id")
        var terms: [String] = []
        var arguments: SQLArguments = []
        if range > 0 {
            terms.append("\(column) >= ?")
            arguments.append(bounds[range - 1])
        }
        if range < bounds.count {
            terms.append("\(column) < ?")
            arguments.append(bounds[range])
        }
        let within = terms.isEmpty ? "TRUE" : terms.joined(separator: " AND ")
        return (range == bounds.count ? "(\(within) OR run_id IS NULL)" : "(\(within))", arguments)
    }

    /// Two ranges of as many runs each: split at the ledger's median run_id (one range of all
    /// runs when it has none).
    static func halves(of ledger: LedgerSQL) throws -> RunRanges {
        let runs = try ledger.value(Int.self, "SELECT count(*) FROM runs") ?? 0
        let median = try ledger.value(
            String.self,
            "SELECT run_id FROM runs ORDER BY \(ledger.dialect.byteOrder("run_id")) LIMIT 1 OFFSET \(runs / 2)")
        return RunRanges(bounds: median.map { [$0] } ?? [])
    }
}
