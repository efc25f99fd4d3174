// Ledger append benchmark: how many durable appends per second the ledger sustains, one
// transaction per event (what a step costs: the intent, then the outcome) and in batches, next to
// the sqlite3 command-line tool doing the same inserts with the same journal mode and synchronous
// setting on the same disk.
//
//   swift run -c release ledger-append-benchmark [EVENTS] [BATCH] [DIRECTORY]
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
    .runStarted(RunStarted(runID: runID, pipeline: .publication, steps: Pipeline.definition(of: .publication).steps.map(\.name),
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

print("ledger append benchmark: \(eventCount) events, batches of \(batchSize), in \(directory)")

// casa-release, one durable transaction per event.
do {
    let ledger = try Ledger.open(path: directory + "/single.sqlite")
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
    let ledger = try Ledger.open(path: directory + "/batched.sqlite")
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

// The sqlite3 tool, same table shape, WAL and synchronous=FULL, same row sizes.
func sqlite3(_ label: String, database: String, batch: Int) throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else {
        print("sqlite3 not found at /usr/bin/sqlite3: install Debian's sqlite3 for the comparison")
        return
    }
    let payload = String(decoding: try stepEvent.encodedPayload(), as: UTF8.self).replacingOccurrences(of: "'", with: "''")
    var script = """
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = FULL;
    CREATE TABLE events (sequence INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, stream_version INTEGER NOT NULL, type TEXT NOT NULL,
        payload TEXT NOT NULL, recorded_at TEXT NOT NULL, actor TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
        UNIQUE (stream_id, stream_version));

    """
    let hash = String(repeating: "a", count: 64)
    for index in 0..<eventCount {
        if batch > 1, index % batch == 0 { script += "BEGIN IMMEDIATE;\n" }
        script += "INSERT INTO events VALUES (\(index + 1), 'run-\(index / eventsPerRun)', \(index % eventsPerRun + 1), 'StepAwaitingOperator', '\(payload)', '2026-01-01T00:00:00.000Z', 'bench@host', '\(hash)', '\(hash)');\n"
        if batch > 1, index % batch == batch - 1 || index == eventCount - 1 { script += "COMMIT;\n" }
    }
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

try sqlite3("sqlite3 CLI, 1 insert per transaction", database: directory + "/cli-single.sqlite", batch: 1)
try sqlite3("sqlite3 CLI, \(batchSize) inserts per transaction", database: directory + "/cli-batched.sqlite", batch: batchSize)
