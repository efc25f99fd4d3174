/// The planner's statistics a bulk copy leaves on a PostgreSQL ledger: `ANALYZE` of the columns
/// the ledger's reads look rows up by, join on, filter or sort by, and not of the bodies the rows
/// carry (an event's payload and hashes, a run's parameters and lease, an input's JSON, a step's
/// detail). Sampling those bodies was most of the work: on a copy of 46,930 events, `ANALYZE` of
/// every column took 0.50-0.55 s of a 2 s copy, of these columns 0.22 s (docs/benchmarks.md).
/// Autovacuum analyses every column later, as it does for any table that changed.
///
/// A column a new query looks rows up by belongs here: without its statistics the planner guesses
/// until autovacuum comes by (on a 1,000,000-run copy, `status` took 118 ms instead of 42).
enum PlannerStatistics {
    /// Each table with the columns analysed; no column list analyses all of them (small tables).
    static let columns: [(table: String, columns: [String])] = [
        ("events", ["sequence", "stream_id", "stream_version", "type"]),
        ("runs", ["run_id", "pipeline", "status", "started_at", "updated_at", "current_step", "last_sequence"]),
        ("steps", ["run_id", "position", "step", "status", "intent_event", "outcome_event"]),
        ("artifacts", []), ("publications", []), ("run_outputs", []),
        ("run_inputs", ["run_id", "output_path", "position", "role", "name", "image_id", "sha256"]),
        ("build_number_reservations", []), ("chain_head", []),
    ]

    /// The one statement that gathers them.
    static var statement: String {
        "ANALYZE "
            + columns.map { $0.columns.isEmpty ? $0.table : "\($0.table) (\($0.columns.joined(separator: ", ")))" }
            .joined(separator: ", ")
    }
}
