import Foundation
import ReleaseLedger
import ReleaseStateMachine
import Testing

@testable import Dashboard

/// The dashboard's pure parts in process: escaping, the timeline folded from events, the runs
/// filters, the listen address; and the router on a real (empty) SQLite ledger.
@Suite struct DashboardPagesTests {
    @Test func everyMarkupCharacterIsEscapedAndSegmentsEncodeSlashes() {
        #expect(
            HTML.escape(#"<a href="x" onclick='y'>&</a>"#)
                == "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
        #expect(HTML.escape("é ✓ plain") == "é ✓ plain")
        #expect(HTML.segment("file:///mirror/a b") == "file%3A%2F%2F%2Fmirror%2Fa%20b")
    }

    static let intent = StepIntent.systemImage(
        .resolveBase(ResolveBaseIntent(baseDirectory: "/casa", explicitBase: nil, pattern: "*.sif")))
    static let outcome = StepOutcome.systemImage(
        .resolvedBase(
            ResolvedBase(
                base: "/casa/u.sif", system: "ubuntu-24.04", origin: "u.sif", size: 1, modified: 0, baseImageID: nil)))

    static let started = RunStarted(
        runID: "r", pipeline: .systemBaseImage, steps: [.resolveBase, .copy],
        parameters: RunParameters(
            .systemBaseImage(
                SystemBaseImageParameters(
                    baseDirectory: "/casa", base: nil, basePattern: "*.sif", imageVersion: "ubuntu-24.04",
                    containerType: "singularity", name: "n", output: "/casa/n.sif", force: false))),
        chosen: ChosenValues(), host: "a", user: "release", tools: [:])

    /// A failed attempt, a second one cut short by a takeover and found done by the next holder,
    /// and a skipped step: each bar has its times and its result.
    @Test func theTimelineHasEachAttemptWithItsTimesAndResult() {
        let holder = LeaseHolder(pid: 1, host: "a", since: "t0", processStart: 1)
        let other = LeaseHolder(pid: 2, host: "b", since: "t5", processStart: 2)
        let started = Self.started
        let events: [(event: RunEvent, at: String)] = [
            (.runStarted(started), "t0"), (.leaseAcquired(LeaseAcquired(holder: holder)), "t0"),
            (.stepStarted(StepStarted(step: .resolveBase, attempt: 1, intent: Self.intent)), "t1"),
            (.stepFailed(StepFailed(step: .resolveBase, attempt: 1, reason: "no <base>", kind: .badInput)), "t2"),
            (.stepStarted(StepStarted(step: .resolveBase, attempt: 2, intent: Self.intent)), "t3"),
            (.leaseAcquired(LeaseAcquired(holder: other, takenOverFrom: holder)), "t5"),
            (.stepReconciled(StepReconciled(step: .resolveBase, attempt: 2, found: Self.outcome)), "t6"),
            (.stepSkipped(StepSkipped(step: .copy, reason: "given")), "t7"),
        ]
        let rows = RunTimeline.rows(events, state: RunDecider.fold(events.map(\.event)))
        #expect(rows.map(\.step) == ["resolve-base", "copy"])
        let attempts = rows[0].attempts
        #expect(attempts.map(\.result) == [.failed, .reconciledDone])
        #expect(attempts.map(\.start) == ["t1", "t3"])
        #expect(attempts.map(\.end) == ["t2", "t5"], "the takeover ends the second attempt")
        #expect(attempts[0].detail == "no <base>")
        #expect(rows[1].skipped == "given" && rows[1].attempts.isEmpty)
    }

    /// An operator step waits from its request to its confirmation, not to the run's end.
    @Test func anOperatorStepWaitsUntilItsConfirmation() {
        let started = RunStarted(
            runID: "r", pipeline: .virtualBoxBaseImage, steps: [.installUbuntu],
            parameters: RunParameters(
                .systemBaseImage(
                    SystemBaseImageParameters(
                        baseDirectory: "/casa", base: nil, basePattern: "*.sif", imageVersion: "ubuntu-22.04",
                        containerType: "vbox", name: "n", output: "/casa/n.ova", force: false))),
            chosen: ChosenValues(), host: "a", user: "release", tools: [:])
        let events: [(event: RunEvent, at: String)] = [
            (.runStarted(started), "t0"),
            (.stepAwaitingOperator(StepAwaitingOperator(step: .installUbuntu, instructions: "install")), "t1"),
            (.stepConfirmed(StepConfirmed(step: .installUbuntu, by: "op@host", note: "done")), "t2"),
        ]
        let row = RunTimeline.rows(events, state: RunDecider.fold(events.map(\.event)))[0]
        #expect(row.waitingSince == "t1" && row.waitingUntil == "t2")
        #expect(row.confirmations == ["t2: confirmed by op@host: done"])
    }

    @Test func theRunsFiltersEachRestrictTheList() {
        let entry = RunListEntry(
            run: try! JSONDecoder().decode(
                RunSummary.self,
                from: Data(
                    #"{"runID":"r","pipeline":"publication","status":"failed","startedAt":"2026-12-05T10:00:00.000Z","updatedAt":"x"}"#
                        .utf8)), host: "build", user: "release")
        #expect(RunFilters(query: [:]).accepts(entry))
        #expect(RunFilters(query: ["pipeline": "publication", "status": "failed", "host": "build"]).accepts(entry))
        #expect(!RunFilters(query: ["status": "completed"]).accepts(entry))
        #expect(!RunFilters(query: ["host": "other"]).accepts(entry))
        #expect(RunFilters(query: ["since": "2026-12-05", "until": "2026-12-05"]).accepts(entry))
        #expect(!RunFilters(query: ["since": "2026-12-06"]).accepts(entry))
        #expect(!RunFilters(query: ["until": "2026-12-04"]).accepts(entry))
        #expect(RunFilters(query: ["status": ""]).accepts(entry), "an empty field filters nothing")
    }

    @Test func theListenAddressIsReadOrRefused() {
        typealias Listen = ListenAddress
        #expect(Listen.parse("127.0.0.1:0") == Listen(host: "127.0.0.1", port: 0))
        #expect(Listen.parse("8650") == Listen(host: "127.0.0.1", port: 8650))
        #expect(Listen.parse(":9000") == Listen(host: "127.0.0.1", port: 9000))
        #expect(Listen.parse("localhost:80") == Listen(host: "127.0.0.1", port: 80))
        #expect(Listen.parse("[::1]:8080") == Listen(host: "::1", port: 8080))
        for wrong in ["", "host", "1.2.3.4:99999", "example.org:80", "1.2.3:80", "[zz]:1"] {
            #expect(Listen.parse(wrong) == nil, "\(wrong)")
        }
        #expect(Listen(host: "::1", port: 0).authority(port: 41234) == "[::1]:41234")
        #expect(Listen(host: "127.0.0.1", port: 0).authority(port: 8650) == "127.0.0.1:8650")
    }

    /// Only what the ledger says it does not hold is a page not found: a ledger that cannot be
    /// read (a PostgreSQL server gone) stays an error, the router's 500, not a missing run.
    @Test func onlyTheLedgersUnknownAnswersAreNotFound() {
        for unknown in [
            LedgerError.unknownRun("0123"), .ambiguousRun(prefix: "0", matches: ["0a", "0b"]),
            .unknownImage("casa-run-9.9-1.sif"), .ambiguousImage(reference: "ab", matches: ["x", "y"]),
        ] {
            #expect(DashboardNotFound.unlessUnknown(unknown) is DashboardNotFound, "\(unknown)")
        }
        let unreachable = LedgerError.unreachable(address: "db.example:5432", reason: "connection refused")
        #expect(DashboardNotFound.unlessUnknown(unreachable) as? LedgerError == unreachable)
        #expect(DashboardNotFound.unlessUnknown(CocoaError(.fileReadNoPermission)) is CocoaError)
    }

    @Test func theRouterAnswersEachPathAndRefusesUnknownOnes() throws {
        let path = NSTemporaryDirectory() + "dashboard-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let ledger = try Ledger.open(path: path)
        let router = DashboardRouter(reader: DashboardReader(ledger: ledger, location: path, store: "sqlite"))
        let runs = router.respond(path: "/runs.json", query: [:])
        #expect(runs.status == 200 && runs.contentType == "application/json")
        let page = try JSONDecoder().decode(RunsPage.self, from: runs.body)
        #expect(page.runs.isEmpty)
        let health = try JSONDecoder().decode(
            HealthPage.self, from: router.respond(path: "/health.json", query: [:]).body)
        #expect(health.intact && health.events == 0 && health.store == "sqlite")
        #expect(router.respond(path: "/static/live.js", query: [:]).contentType.hasPrefix("text/javascript"))
        for missing in [
            "/nope", "/runs/0123abcd", "/images/casa-run-9.9-1.sif", "/targets/file%3A%2F%2F%2Fx%2F", "/a/b/c/d",
            "/environments/brainvisa-none",
        ] {
            let answer = router.respond(path: missing, query: [:])
            #expect(answer.status == 404, "\(missing)")
        }
        let hostile = router.respond(path: "/runs/%3Cscript%3E", query: [:])
        #expect(hostile.status == 404 && !String(decoding: hostile.body, as: UTF8.self).contains("<script>"))

        // A live page's poll: 204 while the run has the version the page shows, its part once not.
        let runID = UUID().uuidString.lowercased()
        var started = Self.started
        started.runID = runID
        _ = try ledger.execute(.start(started), run: runID, by: nil, actor: "release@a", at: Date())
        #expect(router.respond(path: "/runs/\(runID)/live", query: ["version": "1"]).status == 204)
        let changed = router.respond(path: "/runs/\(runID)/live", query: ["version": "0"])
        #expect(changed.status == 200 && String(decoding: changed.body, as: UTF8.self).contains("data-version=\"1\""))
        #expect(router.respond(path: "/runs/0123abcd/live", query: ["version": "1"]).status == 404)
    }
}
