import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// A run's page: who, where, when and how it ended; its steps as a timeline of attempt bars;
/// what failed and why, with the log's end; what it made and published.
public enum RunPageHTML {
    public static func render(_ page: RunPage, links: DashboardLinks) -> String {
        HTML.document(
            title: "run \(page.run.runID.prefix(8)) · \(page.run.pipeline) · \(page.run.status)",
            body: live(page, links: links), links: links, live: links.isServed && !page.isSettled)
    }

    /// The part of the page a live page replaces: everything but the navigation. Its
    /// `data-version` is the run's event count, `data-settled` whether it can still change.
    public static func live(_ page: RunPage, links: DashboardLinks) -> String {
        let id = HTML.escape(page.run.runID)
        var html =
            "<section id=\"live\" data-version=\"\(page.version)\" data-settled=\"\(page.isSettled)\""
            + (links.isServed ? " data-source=\"/runs/\(id)/live\"" : "") + ">"
        html += "<h1>Run <code>\(id)</code> <span class=\"status \(HTML.escape(page.run.status))\">"
        html += HTML.escape(page.run.status) + "</span></h1>"
        var facts: [(String, String)] = [
            ("pipeline", HTML.escape(page.run.pipeline)),
            ("started", HTML.escape(page.run.startedAt)), ("last event", HTML.escape(page.end)),
        ]
        if let user = page.user, let host = page.host { facts.insert(("by", HTML.escape("\(user)@\(host)")), at: 1) }
        if let lease = page.run.lease { facts.append(("held by", HTML.escape("\(lease)"))) }
        if let current = page.run.currentStep, page.run.status != "completed" {
            facts.append(("current step", HTML.escape(current)))
        }
        html += HTML.facts(facts)
        if let failed = page.steps.first(where: { $0.status == "failed" }) {
            html += "<div class=\"failure\"><h2>Failed at \(HTML.escape(failed.step))</h2>"
            html += "<p>\(HTML.escape(failed.detail ?? "no reason recorded"))</p>"
            if let log = failed.logPath { html += "<p>log: <code>\(HTML.escape(log))</code></p>" }
            if let tail = failed.logTail, !tail.isEmpty { html += "<pre class=\"log\">\(HTML.escape(tail))</pre>" }
            html += "<p>Resume with <code>casa-release resume \(id)</code> once the cause is fixed.</p></div>"
        }
        if let waiting = page.steps.first(where: { $0.status == StepStatus.awaitingOperator.rawValue }) {
            html += "<div class=\"waiting\"><h2>Waiting for an operator at \(HTML.escape(waiting.step))</h2>"
            html += "<pre>\(HTML.escape(waiting.instructions ?? ""))</pre>"
            html += "<p>When it is done: <code>casa-release confirm \(id) \(HTML.escape(waiting.step))</code></p></div>"
        }
        html += "<h2>Steps</h2>" + timeline(page)
        if !page.images.isEmpty {
            html += "<h2>Images</h2>"
            html += HTML.table(
                ["image", "origin", "sha256", "image_id"],
                page.images.map {
                    [
                        links.image($0.sha256 ?? $0.imageID ?? $0.path, $0.path), HTML.escape($0.origin.rawValue),
                        "<code>\(HTML.escape(String(($0.sha256 ?? "-").prefix(16))))</code>",
                        HTML.escape($0.imageID ?? "-"),
                    ]
                })
        }
        if !page.publications.isEmpty {
            html += "<h2>Publications</h2>"
            html += HTML.table(
                ["file", "target", "N", "status"],
                page.publications.map {
                    [
                        HTML.escape($0.imageFile ?? "-"), links.target($0.target, URLRedaction.url($0.target)),
                        $0.buildNumber.map(String.init) ?? "-", HTML.escape($0.status),
                    ]
                })
        }
        for rollback in page.rollbacks { html += "<p class=\"rollback\">\(HTML.escape(rollback))</p>" }
        return html + "</section>"
    }

    /// Each step a row: its status, its attempts as bars on the run's time axis, what it gave.
    static func timeline(_ page: RunPage) -> String {
        let start = Self.date(page.start) ?? Date()
        let end = max(Self.date(page.axisEnd) ?? start, start.addingTimeInterval(0.001))
        let span = end.timeIntervalSince(start)
        func percent(_ time: String?) -> Double {
            guard let time, let date = Self.date(time) else { return 100 }
            return min(100, max(0, date.timeIntervalSince(start) / span * 100))
        }
        var rows: [[String]] = []
        for step in page.steps {
            // An SVG per row: its attributes place the bars (the pages' policy allows no inline
            // style), and each bar's <title> says what the attempt was.
            var bars = ""
            func bar(_ kind: String, from left: Double, width: Double, _ label: String) {
                bars +=
                    "<rect class=\"bar \(kind)\" x=\"\(String(format: "%.1f", left * 10))\" y=\"1\" width=\"\(String(format: "%.1f", width * 10))\" height=\"12\" rx=\"2\"><title>\(HTML.escape(label))</title></rect>"
            }
            for attempt in step.attempts {
                let left = percent(attempt.start)
                bar(
                    attempt.result.rawValue, from: left, width: max(0.6, percent(attempt.end ?? page.axisEnd) - left),
                    "attempt \(attempt.number): \(attempt.result.rawValue), \(attempt.start) → \(attempt.end ?? "now")"
                        + (attempt.detail.map { ": \($0)" } ?? ""))
            }
            if let since = step.waitingSince {
                let left = percent(since)
                bar(
                    "waiting", from: left, width: max(0.6, percent(step.waitingUntil ?? page.axisEnd) - left),
                    "waiting for an operator from \(since) to \(step.waitingUntil ?? "now")")
            }
            var notes: [String] = []
            if let output = step.output { notes.append(HTML.escape(output)) }
            if let skipped = step.skipped { notes.append("skipped: " + HTML.escape(skipped)) }
            for attempt in step.attempts where attempt.result != .succeeded && attempt.result != .running {
                notes.append(
                    "<span class=\"\(attempt.result.rawValue)\">attempt \(attempt.number) \(attempt.result.rawValue)"
                        + (attempt.detail.map { ": " + HTML.escape($0) } ?? "") + "</span>")
            }
            notes += step.confirmations.map(HTML.escape)
            notes += step.failedChecks.map { "<span class=\"failed\">check failed \(HTML.escape($0))</span>" }
            rows.append([
                "<span class=\"step\">\(HTML.escape(step.step))</span>"
                    + (step.isOperatorStep ? " <em>operator</em>" : ""),
                "<span class=\"status \(HTML.escape(step.status))\">\(HTML.escape(step.status))</span>",
                "<svg class=\"track\" viewBox=\"0 0 1000 14\" preserveAspectRatio=\"none\" role=\"img\">\(bars)</svg>",
                String(step.attempts.count), notes.joined(separator: "<br>"),
            ])
        }
        return HTML.table(["step", "status", "timeline", "attempts", "outcome"], rows, id: "timeline")
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
            ?? {
                formatter.formatOptions = [.withInternetDateTime]
                return formatter.date(from: text)
            }()
    }
}
