// Ledger append benchmark: how many durable appends per second the ledger sustains, one
// transaction per event (what a step costs: the intent, then the outcome) and in batches, next to
// the sqlite3 command-line tool doing the same inserts with the same journal mode and synchronous
// setting on the same disk.
//
//   swift run -c release ledger-append-benchmark [EVENTS] [BATCH] [DIRECTORY]
//
// With CASA_RELEASE_BENCH_POSTGRES=postgres://USER:PASSWORD@HOST:PORT/DB (a database where it may
// create others), the ledgers are PostgreSQL databases (synchronous_commit on, the server's
// default), and the baseline is psql running the same inserts (Benchmarks/postgres-ledger.sh starts
// a server and runs it).
//
// It prints figures; it asserts nothing.
import Foundation
import ReleaseLedger
import ReleaseStateMachine

let arguments = CommandLine.arguments
let eventCount = arguments.count > 1 ? Int(arguments[1]) ?? 2000 : 2000
let batchSize = arguments.count > 2 ? Int(arguments[2]) ?? 100 : 100
let directory = arguments.count > 3 ? arguments[3] : NSTemporaryDirectory() + "casa-release-bench-" + UUID().uuidString
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }

/// Runs of 30 events each, as a real release run has: a RunStarted, a lease, then step events.
let eventsPerRun = 30

func runStarted(_ runID: String) -> RunEvent {
    .runStarted(RunStarted(runID: runID, pipeline: .publication, steps: Pipeline.steps(of: .publication, RunParameters()),
                           parameters: RunParameters(publication: PublicationParameters(target: "file:///mirror/", image: "/casa/image.sif")),
                           chosen: ChosenValues(), host: "bench", user: "bench", tools: [:]))
}

let stepEvent = RunEvent.stepAwaitingOperator(StepAwaitingOperator(step: .record, instructions: "benchmark event with a payload of a realistic size"))

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

func measure(_ label: String, _ count: Int, _ body: () throws -> Void) rethrows {
    let start = Date()
    try body()
    let seconds = Date().timeIntervalSince(start)
    let padded = label.padding(toLength: max(label.count, 48), withPad: " ", startingAt: 0)
    print(padded + String(format: " %8d events  %8.3f s  %10.0f events/s", count, seconds, Double(count) / seconds))
}

let postgres = ProcessInfo.processInfo.environment["CASA_RELEASE_BENCH_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
print("ledger append benchmark: \(eventCount) events, batches of \(batchSize), in \(postgres.map { try! PostgresAddress.parse($0).description } ?? directory)")

/// A new database on the benchmark's server, by the URL of the server's given database.
func newDatabase(_ name: String) throws -> String {
    guard let postgres else { preconditionFailure() }
    try psql(postgres, "DROP DATABASE IF EXISTS \(name)")
    try psql(postgres, "CREATE DATABASE \(name)")
    return postgres.replacingOccurrences(of: #"/[^/?]*(\?|$)"#, with: "/\(name)$1", options: .regularExpression)
}

func psql(_ url: String, _ sql: String? = nil, file: String? = nil) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
    process.arguments = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--dbname=" + url] + (sql.map { ["-c", $0] } ?? []) + (file.map { ["-f", $0] } ?? [])
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    precondition(process.terminationStatus == 0, "psql failed")
}

/// The ledger of one measurement: a file in the directory, or a database on the server.
func openLedger(_ name: String) throws -> Ledger {
    if postgres != nil { return try Ledger.open(postgres: try PostgresAddress.parse(try newDatabase("bench_" + name))) }
    return try Ledger.open(path: directory + "/\(name).sqlite")
}

// casa-release, one durable transaction per event.
do {
    let ledger = try openLedger("single")
    try measure("casa-release ledger, 1 event per transaction", eventCount) {
        for (run, events) in plan(eventCount) {
            for (version, event) in events.enumerated() {
                try ledger.append([event], to: run, expectedVersion: version, actor: "bench@host", at: Date())
            }
        }
    }
    let report = try ledger.verifyChain()
    precondition(report.firstMismatch == nil && report.checked == eventCount)
}

// casa-release, batches.
do {
    let ledger = try openLedger("batched")
    var pending: [(stream: String, expectedVersion: Int, events: [RunEvent])] = []
    var pendingCount = 0
    try measure("casa-release ledger, \(batchSize) events per transaction", eventCount) {
        for (run, events) in plan(eventCount) {
            var offset = 0
            while offset < events.count {
                let take = min(batchSize - pendingCount, events.count - offset)
                pending.append((run, offset, Array(events[offset..<offset + take])))
                pendingCount += take
                offset += take
                if pendingCount == batchSize {
                    try ledger.appendBatch(pending, actor: "bench@host", at: Date())
                    pending = []
                    pendingCount = 0
                }
            }
        }
        if !pending.isEmpty { try ledger.appendBatch(pending, actor: "bench@host", at: Date()) }
    }
    let stored = try ledger.eventCount()
    precondition(stored == eventCount)
}

/// The benchmark's rows as SQL inserts, `batch` to a transaction (opened by `begin`; 1: each
/// statement its own), for the database tools that are the baseline.
func insertScript(batch: Int, begin: String) throws -> String {
    let payload = String(decoding: try stepEvent.encodedPayload(), as: UTF8.self).replacingOccurrences(of: "'", with: "''")
    let hash = String(repeating: "a", count: 64)
    var script = ""
    for index in 0..<eventCount {
        if batch > 1, index % batch == 0 { script += begin + "\n" }
        script += "INSERT INTO events VALUES (\(index + 1), 'run-\(index / eventsPerRun)', \(index % eventsPerRun + 1), 'StepAwaitingOperator', '\(payload)', '2026-01-01T00:00:00.000Z', 'bench@host', '\(hash)', '\(hash)');\n"
        if batch > 1, index % batch == batch - 1 || index == eventCount - 1 { script += "COMMIT;\n" }
    }
    return script
}

// The sqlite3 tool, same table shape, WAL and synchronous=FULL, same row sizes.
func sqlite3(_ label: String, database: String, batch: Int) throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else {
        print("sqlite3 not found at /usr/bin/sqlite3: install Debian's sqlite3 for the comparison")
        return
    }
    var script = """
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = FULL;
    CREATE TABLE events (sequence INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, stream_version INTEGER NOT NULL, type TEXT NOT NULL,
        payload TEXT NOT NULL, recorded_at TEXT NOT NULL, actor TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
        UNIQUE (stream_id, stream_version));

    """
    script += try insertScript(batch: batch, begin: "BEGIN IMMEDIATE;")
    let scriptPath = database + ".sql"
    try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [database, ".read \(scriptPath)"]
    process.standardOutput = FileHandle.nullDevice
    try measure(label, eventCount) {
        try process.run()
        process.waitUntilExit()
    }
}

/// psql, the same table shape on the same server, one statement per transaction (autocommit)
/// or `batch` per transaction, with the server's synchronous_commit=on.
func psqlInserts(_ label: String, database: String, batch: Int) throws {
    let url = try newDatabase(database)
    try psql(url, """
        CREATE TABLE events (sequence BIGINT PRIMARY KEY, stream_id TEXT NOT NULL, stream_version INTEGER NOT NULL, type TEXT NOT NULL,
            payload TEXT NOT NULL, recorded_at TEXT NOT NULL, actor TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
            UNIQUE (stream_id, stream_version))
        """)
    let script = try insertScript(batch: batch, begin: "BEGIN;")
    let scriptPath = directory + "/\(database).sql"
    try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
    try measure(label, eventCount) { try psql(url, file: scriptPath) }
}

if postgres != nil {
    try psqlInserts("psql, 1 insert per transaction", database: "bench_cli_single", batch: 1)
    try psqlInserts("psql, \(batchSize) inserts per transaction", database: "bench_cli_batched", batch: batchSize)
} else {
    try sqlite3("sqlite3 CLI, 1 insert per transaction", database: directory + "/cli-single.sqlite", batch: 1)
    try sqlite3("sqlite3 CLI, \(batchSize) inserts per transaction", database: directory + "/cli-batched.sqlite", batch: batchSize)
}
