import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// What a page names that the ledger does not hold.
public struct DashboardNotFound: Error, CustomStringConvertible {
    public var description: String

    /// The ledger's own "no such run or image" (and "which one?") as a page not found; any other
    /// error, such as a ledger that cannot be read, stays what it is (the router's 500).
    static func unlessUnknown(_ error: Error) -> Error {
        switch error as? LedgerError {
        case .unknownRun?, .ambiguousRun?, .unknownImage?, .ambiguousImage?:
            return DashboardNotFound(description: ErrorText.line(error))
        default:
            return error
        }
    }
}

/// Reads the ledger into pages. It only reads: nothing here appends, and one lock keeps one
/// query at a time on the ledger's connection (a PostgreSQL session is not shared by threads).
public final class DashboardReader: @unchecked Sendable {
    private let ledger: Ledger
    private let lock = NSLock()
    /// How the ledger is shown (a file path, or a PostgreSQL URL without its password).
    public let location: String
    public let store: String

    public init(ledger: Ledger, location: String, store: String) {
        self.ledger = ledger
        self.location = location
        self.store = store
    }

    private func reading<T>(_ body: (Ledger) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(ledger)
    }

    /// The run `prefix` names, or the page is not found.
    private static func runID(_ prefix: String, in ledger: Ledger) throws -> String {
        do {
            return try ledger.resolveRunID(prefix)
        } catch {
            throw DashboardNotFound.unlessUnknown(error)
        }
    }

    public func runs(_ filters: RunFilters, limit: Int = 500) throws -> RunsPage {
        try reading { ledger in
            let runs = try ledger.runs(limit: limit)
            let starts = try ledger.runStarts(runs.map(\.runID))
            let entries = runs.map {
                RunListEntry(run: $0, host: starts[$0.runID]?.host, user: starts[$0.runID]?.user)
            }
            return RunsPage(filters: filters, runs: entries.filter(filters.accepts))
        }
    }

    public func run(_ prefix: String) throws -> RunPage {
        try reading { ledger in
            let runID = try Self.runID(prefix, in: ledger)
            let summary = try ledger.run(runID)
            let recorded = try ledger.events(of: runID)
            let events = try recorded.map { (event: try $0.decoded(), at: $0.recordedAt) }
            let state = RunDecider.fold(events.map(\.event))
            var rollbacks = state.rollbacks.map {
                "rolled back on \(URLRedaction.url($0.target)): \($0.reason)"
                    + ($0.removed.isEmpty ? "" : " (removed \($0.removed.joined(separator: ", ")))")
            }
            if let retraction = state.retraction {
                rollbacks.append(
                    "retracted N=\(retraction.buildNumber) from \(URLRedaction.url(retraction.target))"
                        + (retraction.removed.isEmpty ? "" : " (removed \(retraction.removed.joined(separator: ", ")))")
                )
            }
            var steps = RunTimeline.rows(events, state: state)
            for index in steps.indices where steps[index].status == "failed" {
                steps[index].logTail = steps[index].logPath.flatMap { Self.tail(of: $0) }
            }
            let isSettled = state.isCompleted || state.status == .failed
            let end = recorded.last?.recordedAt ?? summary.updatedAt
            return RunPage(
                run: summary, host: state.started?.host, user: state.started?.user, version: recorded.count,
                start: recorded.first?.recordedAt ?? summary.startedAt,
                end: end, axisEnd: isSettled ? end : max(end, Timestamps.iso8601(Date())), steps: steps,
                images: try ledger.images(ofRun: runID), publications: try ledger.publications(of: runID),
                rollbacks: rollbacks,
                isSettled: isSettled)
        }
    }

    public func image(_ reference: String) throws -> ImagePage {
        try reading { ledger in
            let record: ImageRecord
            do {
                record = try ledger.image(ImageReference.parse(reference))
            } catch {
                throw DashboardNotFound.unlessUnknown(error)
            }
            let graph = try ledger.provenance(of: record)
            let publications = graph.dependents(of: graph.subject).compactMap { graph.node($0.from)?.publication }
            // Signatures: what the publishing runs recorded of their signing steps.
            var signatures: [String] = []
            for runID in Set(publications.map(\.runID)).sorted() {
                for step in try ledger.steps(of: runID) {
                    switch step.outcome {
                    case .publication(.attestedProvenance(let signed))?:
                        signatures.append(
                            "\(signed.name): DSSE signed provenance, key \(signed.keyID) (run \(runID.prefix(8)))")
                    case .publication(.updatedMirror(let mirror))?:
                        signatures.append(
                            "listed in the mirror's TUF targets v\(mirror.targetsVersion), key \(mirror.keyID) (run \(runID.prefix(8)))"
                        )
                    default:
                        break
                    }
                }
            }
            return ImagePage(
                image: record, reference: reference, provenance: graph, provenanceText: ProvenanceText.render(graph),
                publications: publications, signatures: signatures)
        }
    }

    public func environment(_ name: String) throws -> EnvironmentPage {
        try reading { ledger in
            let images = try ledger.audit(environment: name)
            guard !images.isEmpty else {
                throw DashboardNotFound(description: "no image recorded from environment \(name)")
            }
            return EnvironmentPage(environment: name, images: images)
        }
    }

    public func target(_ target: String) throws -> TargetPage {
        try reading { ledger in
            let publications = try ledger.publications(onTarget: target)
            guard !publications.isEmpty else {
                throw DashboardNotFound(description: "no publication recorded on \(URLRedaction.url(target))")
            }
            var highest: [String: Int] = [:]
            for publication in publications where publication.status != "rolled-back" {
                guard let file = publication.imageFile, let number = publication.buildNumber else { continue }
                let name = PublishedNames.numbered(file)?.names.fileName ?? file
                highest[name] = max(highest[name] ?? 0, number)
            }
            return TargetPage(target: target, publications: publications, highest: highest)
        }
    }

    public func health() throws -> HealthPage {
        try reading { ledger in
            let report = try ledger.verifyChain()
            let head = try ledger.head()
            let size = (try? FileManager.default.attributesOfItem(atPath: ledger.path)[.size] as? NSNumber)?
                .int64Value
            return HealthPage(
                store: store, location: location, events: try ledger.eventCount(), headSequence: head?.sequence,
                headHash: head?.hash, intact: report.firstMismatch == nil, checked: report.checked,
                firstMismatch: report.firstMismatch.map { "event \($0.sequence): \($0.reason)" },
                sizeBytes: store == "sqlite" ? size : nil,
                targets: try ledger.publicationTargets().map(\.target))
        }
    }

    /// The last 20 lines of a log (at most 8 KiB of its end), or nil when it cannot be read here.
    static func tail(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 8192 ? size - 8192 : 0)
        guard let data = try? handle.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .suffix(20).joined(separator: "\n")
    }

    /// The event count of the run `prefix` names, when it is not `known`; nil when it is (a live
    /// page's poll answered without reading the run's events).
    public func runChanged(_ prefix: String, since known: Int) throws -> Bool {
        try reading { ledger in
            let runID = try Self.runID(prefix, in: ledger)
            return try ledger.eventCount(of: runID) != known
        }
    }

    /// The ledger's head sequence: a page compares it to know whether to read again.
    public func headSequence() throws -> Int64 {
        try reading { ledger in try ledger.head()?.sequence ?? 0 }
    }
}
