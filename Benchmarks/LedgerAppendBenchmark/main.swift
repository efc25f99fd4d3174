// Ledger append benchmark: how many durable appends per second the ledger sustains, one
// transaction per event (what a step costs: the intent, then the outcome) and in batches, next to
// the database's own command-line tool doing the same inserts on the same disk, interleaved
// (casa-release, its baselines, casa-release, …: ROUNDS rounds), medians and ratios printed.
//
//   swift run -c release ledger-append-benchmark [EVENTS] [BATCH] [DIRECTORY] [ROUNDS]
//
// SQLite: the baseline is the sqlite3 tool inserting the same event rows into a table of the same
// shape, with the same journal mode and synchronous setting.
//
// With CASA_RELEASE_BENCH_POSTGRES=postgres://USER:PASSWORD@HOST:PORT/DB (a database where it may
// create others), the ledgers are PostgreSQL databases (synchronous_commit on, the server's
// default), and there are two baselines: psql inserting the same event rows into a bare table
// (the issue's figure), and psql running the very statements casa-release sends for the same
// appends (the event, the projections, the chain's head, the lock: captured once with
// CASA_RELEASE_SQL_TRACE, replayed with psql -f, each statement its own round trip): the server's
// own cost of the same work. Benchmarks/postgres-ledger.sh starts a server and runs it.
//
// It prints figures; it asserts nothing.
import Foundation
import ReleaseLedger
import ReleaseStateMachine

let arguments = CommandLine.arguments

/// Runs of 30 events each, as a real release run has: a RunStarted, then step events.
let eventsPerRun = 30

func runStarted(_ runID: String) -> RunEvent {
    .runStarted(
        RunStarted(
            runID: runID, pipeline: .publication, steps: Pipeline.steps(of: .publication, RunParameters()),
            parameters: RunParameters(publication: PublicationParameters(target: "file:///mirror/", image: "/casa/image.sif")),
            chosen: ChosenValues(), host: "bench", user: "bench", tools: [:]))
}

let stepEvent = RunEvent.stepAwaitingOperator(
    StepAwaitingOperator(step: .record, instructions: "benchmark event with a payload of a realistic size"))

/// The events of the benchmark, grouped by run.
func plan(_ count: Int) -> [(run: String, events: [RunEvent])] {
    var runs: [(String, [RunEvent])] = []
    var remaining = count
    var index = 0
    while remaining > 0 {
        let runID = String(format: "%08x-0000-4000-8000-000000000000", index)
        let size = min(eventsPerRun, remaining)
        runs.append((runID, [runStarted(runID)] + Array(repeating: stepEvent, count: size - 1)))
        remaining -= size
        index += 1
    }
    return runs
}

/// Appends `count` events of the plan to `ledger`, `batch` to a transaction (1: `append`).
func appendAll(_ ledger: Ledger, count: Int, batch: Int) throws {
    if batch == 1 {
        for (run, events) in plan(count) {
            for (version, event) in events.enumerated() {
                try ledger.append([event], to: run, expectedVersion: version, actor: "bench@host", at: Date())
            }
        }
        return
    }
    var pending: [(stream: String, expectedVersion: Int, events: [RunEvent])] = []
    var pendingCount = 0
    for (run, events) in plan(count) {
        var offset = 0
        while offset < events.count {
            let take = min(batch - pendingCount, events.count - offset)
            pending.append((run, offset, Array(events[offset..<offset + take])))
            pendingCount += take
            offset += take
            if pendingCount == batch {
                try ledger.appendBatch(pending, actor: "bench@host", at: Date())
                pending = []
                pendingCount = 0
            }
        }
    }
    if !pending.isEmpty { try ledger.appendBatch(pending, actor: "bench@host", at: Date()) }
}

// The trace mode: the appends alone, on a ledger the parent made, with CASA_RELEASE_SQL_TRACE set
// by the parent (`--trace URL EVENTS BATCH`).
if arguments.count == 5, arguments[1] == "--trace" {
    let ledger = try Ledger.open(postgres: try PostgresAddress.parse(arguments[2]), mustExist: true)
    try appendAll(ledger, count: Int(arguments[3])!, batch: Int(arguments[4])!)
    exit(0)
}

let eventCount = arguments.count > 1 ? Int(arguments[1]) ?? 2000 : 2000
let batchSize = arguments.count > 2 ? Int(arguments[2]) ?? 100 : 100
let directory =
    arguments.count > 3 ? arguments[3] : NSTemporaryDirectory() + "casa-release-bench-" + UUID().uuidString
let rounds = arguments.count > 4 ? Int(arguments[4]) ?? 3 : 3
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }

let postgres = ProcessInfo.processInfo.environment["CASA_RELEASE_BENCH_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = Date()
    try body()
    return Date().timeIntervalSince(start)
}

/// A new database on the benchmark's server, by the URL of the server's given database.
func newDatabase(_ name: String) throws -> String {
    guard let postgres else { preconditionFailure() }
    try psql(postgres, "DROP DATABASE IF EXISTS \(name)")
    try psql(postgres, "CREATE DATABASE \(name)")
    return postgres.replacingOccurrences(of: #"/[^/?]*(\?|$)"#, with: "/\(name)$1", options: .regularExpression)
}

func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    precondition(process.terminationStatus == 0, "\(executable) \(arguments.prefix(3)) failed")
}

func psql(_ url: String, _ sql: String? = nil, file: String? = nil) throws {
    try run(
        "/usr/bin/psql",
        ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--dbname=" + url] + (sql.map { ["-c", $0] } ?? [])
            + (file.map { ["-f", $0] } ?? []))
}

/// The ledger of one measurement: a new file in the directory, or a new database on the server.
func openLedger(_ name: String) throws -> Ledger {
    if postgres != nil { return try Ledger.open(postgres: try PostgresAddress.parse(try newDatabase("bench_" + name))) }
    let path = directory + "/\(name).sqlite"
    for suffix in ["", "-wal", "-shm", ".head"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    return try Ledger.open(path: path)
}

/// casa-release's appends into a new ledger, checked afterwards (untimed).
func casaRelease(batch: Int, name: String) throws -> Double {
    let ledger = try openLedger(name)
    let time = try seconds { try appendAll(ledger, count: eventCount, batch: batch) }
    let report = try ledger.verifyChain()
    precondition(report.firstMismatch == nil && report.checked == eventCount)
    return time
}

/// The benchmark's event rows as SQL inserts, `batch` to a transaction (opened by `begin`; 1:
/// each statement its own), for the database tools that are the baseline.
func insertScript(batch: Int, begin: String) throws -> String {
    let payload = String(decoding: try stepEvent.encodedPayload(), as: UTF8.self).replacingOccurrences(
        of: "'", with: "''")
    let hash = String(repeating: "a", count: 64)
    var script = ""
    for index in 0..<eventCount {
        if batch > 1, index % batch == 0 { script += begin + "\n" }
        script +=
            "INSERT INTO events VALUES (\(index + 1), 'run-\(index / eventsPerRun)', \(index % eventsPerRun + 1), 'StepAwaitingOperator', '\(payload)', '2026-01-01T00:00:00.000Z', 'bench@host', '\(hash)', '\(hash)');\n"
        if batch > 1, index % batch == batch - 1 || index == eventCount - 1 { script += "COMMIT;\n" }
    }
    return script
}

let eventsTable = """
    CREATE TABLE events (sequence BIGINT PRIMARY KEY, stream_id TEXT NOT NULL, stream_version INTEGER NOT NULL, type TEXT NOT NULL,
        payload TEXT NOT NULL, recorded_at TEXT NOT NULL, actor TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
        UNIQUE (stream_id, stream_version))
    """

/// The sqlite3 tool: the same table shape, WAL and synchronous=FULL, the same row sizes.
func sqlite3(batch: Int, name: String) throws -> Double {
    let database = directory + "/\(name).sqlite"
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
    let script =
        "PRAGMA journal_mode = WAL;\nPRAGMA synchronous = FULL;\n\(eventsTable);\n"
        + (try insertScript(batch: batch, begin: "BEGIN IMMEDIATE;"))
    let scriptPath = database + ".sql"
    try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
    return try seconds { try run("/usr/bin/sqlite3", [database, ".read \(scriptPath)"]) }
}

/// psql inserting the event rows alone into a bare table of the same shape, on the same server.
func psqlInserts(batch: Int, name: String) throws -> Double {
    let url = try newDatabase(name)
    try psql(url, eventsTable)
    let scriptPath = directory + "/\(name).sql"
    try insertScript(batch: batch, begin: "BEGIN;").write(toFile: scriptPath, atomically: true, encoding: .utf8)
    return try seconds { try psql(url, file: scriptPath) }
}

/// The statements casa-release sends for the appends, captured once by running them in a child
/// process with CASA_RELEASE_SQL_TRACE (into a ledger made first, so that its migrations are not
/// in the trace).
func capturedStatements(batch: Int) throws -> String {
    let url = try newDatabase("bench_trace")
    _ = try Ledger.open(postgres: try PostgresAddress.parse(url))
    let trace = directory + "/trace-\(batch).sql"
    try? FileManager.default.removeItem(atPath: trace)
    var environment = ProcessInfo.processInfo.environment
    environment["CASA_RELEASE_SQL_TRACE"] = trace
    try run(
        CommandLine.arguments[0], ["--trace", url, String(eventCount), String(batch)], environment: environment)
    return trace
}

/// psql running those statements, on a new ledger (made by casa-release, untimed).
func psqlSameStatements(trace: String, name: String) throws -> Double {
    let url = try newDatabase(name)
    _ = try Ledger.open(postgres: try PostgresAddress.parse(url))
    return try seconds { try psql(url, file: trace) }
}

/// One row of the table: casa-release's medians next to a baseline's, with the ratio of their
/// rates (casa-release's events per second over the baseline's).
struct Row {
    var label: String
    var baseline: String
    var ours: [Double] = []
    var theirs: [Double] = []

    func printed() -> String {
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let mine = Double(eventCount) / median(ours)
        let other = Double(eventCount) / median(theirs)
        return label.padding(toLength: 40, withPad: " ", startingAt: 0)
            + String(format: " %8.0f events/s   ", mine)
            + baseline.padding(toLength: 44, withPad: " ", startingAt: 0)
            + String(format: " %8.0f events/s   ratio %5.2f", other, mine / other)
    }
}

print(
    "ledger append benchmark: \(eventCount) events, batches of \(batchSize), \(rounds) interleaved rounds, medians, in "
        + (postgres.map { (try? PostgresAddress.parse($0).description) ?? "PostgreSQL" } ?? directory))
var rows: [Row]
var measureRound: [(inout [Row]) throws -> Void] = []
if postgres != nil {
    let traces = [1: try capturedStatements(batch: 1), batchSize: try capturedStatements(batch: batchSize)]
    rows = [
        Row(label: "casa-release, 1 event per transaction", baseline: "psql, the event rows alone"),
        Row(label: "casa-release, 1 event per transaction", baseline: "psql, the statements casa-release sends"),
        Row(label: "casa-release, \(batchSize) events per transaction", baseline: "psql, the event rows alone"),
        Row(label: "casa-release, \(batchSize) events per transaction", baseline: "psql, the statements casa-release sends"),
    ]
    for (index, batch) in [1, batchSize].enumerated() {
        measureRound.append { rows in
            let ours = try casaRelease(batch: batch, name: "casa_\(batch)")
            rows[2 * index].ours.append(ours)
            rows[2 * index].theirs.append(try psqlInserts(batch: batch, name: "cli_\(batch)"))
            rows[2 * index + 1].ours.append(ours)
            rows[2 * index + 1].theirs.append(try psqlSameStatements(trace: traces[batch]!, name: "replay_\(batch)"))
        }
    }
} else {
    rows = [
        Row(label: "casa-release, 1 event per transaction", baseline: "sqlite3, the event rows alone"),
        Row(label: "casa-release, \(batchSize) events per transaction", baseline: "sqlite3, the event rows alone"),
    ]
    for (index, batch) in [1, batchSize].enumerated() {
        measureRound.append { rows in
            rows[index].ours.append(try casaRelease(batch: batch, name: "casa-\(batch)"))
            rows[index].theirs.append(try sqlite3(batch: batch, name: "cli-\(batch)"))
        }
    }
}
for _ in 0..<rounds {
    for measure in measureRound { try measure(&rows) }
}
for row in rows { print(row.printed()) }
