import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// A run in the runs list, with who started it where.
public struct RunListEntry: Codable, Equatable, Sendable {
    public var run: RunSummary
    public var host: String?
    public var user: String?
}

/// The runs page: the runs that pass the filters, the latest first.
public struct RunsPage: Codable, Equatable, Sendable {
    public var filters: RunFilters
    public var runs: [RunListEntry]
}

/// The runs page's filters: each one given must match (a date, `YYYY-MM-DD`, matches the runs
/// started that day or after, `until` that day or before).
public struct RunFilters: Codable, Equatable, Sendable {
    public var pipeline: String?
    public var status: String?
    public var host: String?
    public var since: String?
    public var until: String?

    public init(query: [String: String]) {
        func value(_ key: String) -> String? { query[key].flatMap { $0.isEmpty ? nil : $0 } }
        pipeline = value("pipeline")
        status = value("status")
        host = value("host")
        since = value("since")
        until = value("until")
    }

    func accepts(_ entry: RunListEntry) -> Bool {
        if let pipeline, entry.run.pipeline != pipeline { return false }
        if let status, entry.run.status != status { return false }
        if let host, entry.host != host { return false }
        let day = String(entry.run.startedAt.prefix(10))
        if let since, day < since { return false }
        if let until, day > until { return false }
        return true
    }
}

/// A run's page: header, timeline, outputs and publications.
public struct RunPage: Codable, Equatable, Sendable {
    public var run: RunSummary
    public var host: String?
    public var user: String?
    /// How many events the run has: what a live page compares to know it changed.
    public var version: Int
    public var start: String
    /// The last event's time.
    public var end: String
    /// Where the timeline's axis ends: the last event of a settled run, the time of reading for
    /// one that can still change (so a step waiting or running shows how long it has).
    public var axisEnd: String
    public var steps: [StepTimelineRow]
    public var images: [ImageRecord]
    public var publications: [PublicationSummary]
    public var rollbacks: [String]
    /// A finished run does not change: its page stops polling.
    public var isSettled: Bool
}

/// An image's page: the record, its provenance, where it is published, its signatures.
public struct ImagePage: Codable, Equatable, Sendable {
    public var image: ImageRecord
    public var reference: String
    public var provenance: ProvenanceGraph
    public var provenanceText: String
    public var publications: [PublicationProvenance]
    public var signatures: [String]
}

/// An environment's page: every image made from it.
public struct EnvironmentPage: Codable, Equatable, Sendable {
    public var environment: String
    public var images: [AuditEntry]
}

/// A target's page: its publications and retractions, its highest N of each image.
public struct TargetPage: Codable, Equatable, Sendable {
    public var target: String
    public var publications: [TargetPublication]
    public var highest: [String: Int]
}

/// The ledger's health: `verify`'s chain check, its head, store and size.
public struct HealthPage: Codable, Equatable, Sendable {
    public var store: String
    public var location: String
    public var events: Int
    public var headSequence: Int64?
    public var headHash: String?
    public var intact: Bool
    public var checked: Int
    public var firstMismatch: String?
    public var sizeBytes: Int64?
    public var targets: [String]
}
