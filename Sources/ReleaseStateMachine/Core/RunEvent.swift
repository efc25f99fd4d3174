import Foundation

/// Everything that happens to a run, as appended to the ledger. A run's state is the fold of these.
public enum RunEvent: Equatable, Sendable {
    case runStarted(RunStarted)
    case leaseAcquired(LeaseAcquired)
    case leaseReleased(LeaseReleased)
    case stepStarted(StepStarted)
    case stepSucceeded(StepSucceeded)
    case stepFailed(StepFailed)
    case stepReconciled(StepReconciled)
    case stepSkipped(StepSkipped)
    case stepAwaitingOperator(StepAwaitingOperator)
    case stepConfirmed(StepConfirmed)
    case operatorCheckFailed(OperatorCheckFailed)
    case publicationRolledBack(PublicationRolledBack)
    case runCompleted(RunCompleted)
    case publicationRetracted(PublicationRetracted)
    /// A docker publication taken back: its tags put back where they were.
    case dockerTagsRestored(DockerTagsRestored)
    /// A build number kept in the ledger for the run's claim, before the target is asked.
    case buildNumberReserved(BuildNumberReserved)
}

public struct RunStarted: Codable, Equatable, Sendable {
    public var runID: String
    public var pipeline: PipelineKind
    /// The plan, frozen: resume follows these steps even if a later casa-release changes the pipeline.
    public var steps: [StepName]
    public var parameters: RunParameters
    public var chosen: ChosenValues
    public var host: String
    public var user: String
    /// Versions of the tools in play (casa-release, libcurl, ...), for provenance.
    public var tools: [String: String]

    public init(
        runID: String, pipeline: PipelineKind, steps: [StepName], parameters: RunParameters,
        chosen: ChosenValues, host: String, user: String, tools: [String: String]
    ) {
        self.runID = runID
        self.pipeline = pipeline
        self.steps = steps
        self.parameters = parameters
        self.chosen = chosen
        self.host = host
        self.user = user
        self.tools = tools
    }
}

/// The process that may write a run: one at a time.
public struct LeaseHolder: Codable, Equatable, Sendable, CustomStringConvertible {
    public var pid: Int32
    public var host: String
    /// When the lease was taken (ISO 8601, UTC).
    public var since: String
    /// The process's start time (Linux clock ticks since boot), so that a recycled pid is not
    /// mistaken for the holder.
    public var processStart: UInt64?
    /// The kernel's boot id (`/proc/sys/kernel/random/boot_id`) and the inode of the holder's pid
    /// namespace (`/proc/self/ns/pid`): a pid means this process only to a process of the same
    /// boot and namespace. Two containers that share a host name see each other's pids as
    /// dead, or as someone else. Nil in holders recorded before they were kept.
    public var bootID: String?
    public var pidNamespace: UInt64?

    public init(
        pid: Int32, host: String, since: String, processStart: UInt64?, bootID: String? = nil,
        pidNamespace: UInt64? = nil
    ) {
        self.pid = pid
        self.host = host
        self.since = since
        self.processStart = processStart
        self.bootID = bootID
        self.pidNamespace = pidNamespace
    }

    /// Whether a process described by `other` can judge this holder by its pid: the same host
    /// name, and, where both were recorded, the same boot and pid namespace. Otherwise only a
    /// heartbeat tells whether the holder lives.
    public func sharesPIDSpace(with other: LeaseHolder) -> Bool {
        guard host == other.host else { return false }
        if let bootID, let theirs = other.bootID, bootID != theirs { return false }
        if let pidNamespace, let theirs = other.pidNamespace, pidNamespace != theirs { return false }
        // A holder recorded without them, judged by one that has them (or the other way round):
        // an older casa-release, which judged by the pid; so does this one.
        return true
    }

    public var description: String { "pid \(pid) on \(host) since \(since)" }
}

public struct LeaseAcquired: Codable, Equatable, Sendable {
    public var holder: LeaseHolder
    /// The previous holder when its process had died without releasing the lease.
    public var takenOverFrom: LeaseHolder?
    /// The lease's epoch: 1 for the run's first holder, one more at every acquisition. Every
    /// append checks that it comes from the holder of the current epoch, so a holder taken over
    /// can never write again (nil in events written before epochs were recorded: counted).
    public var epoch: Int?

    public init(holder: LeaseHolder, takenOverFrom: LeaseHolder? = nil, epoch: Int? = nil) {
        self.holder = holder
        self.takenOverFrom = takenOverFrom
        self.epoch = epoch
    }
}

public struct LeaseReleased: Codable, Equatable, Sendable {
    public var holder: LeaseHolder

    public init(holder: LeaseHolder) {
        self.holder = holder
    }
}

public struct StepStarted: Codable, Equatable, Sendable {
    public var step: StepName
    public var attempt: Int
    public var intent: StepIntent
    public var logPath: String?

    public init(step: StepName, attempt: Int, intent: StepIntent, logPath: String? = nil) {
        self.step = step
        self.attempt = attempt
        self.intent = intent
        self.logPath = logPath
    }
}

public struct StepSucceeded: Codable, Equatable, Sendable {
    public var step: StepName
    public var attempt: Int
    public var outcome: StepOutcome

    public init(step: StepName, attempt: Int, outcome: StepOutcome) {
        self.step = step
        self.attempt = attempt
        self.outcome = outcome
    }
}

/// Why a step failed, which decides the exit code (docs/design.md, "The command line").
public enum FailureKind: String, Codable, Sendable {
    case stepFailed = "step-failed"  // 1
    case badInput = "bad-input"  // 65
    case unavailable = "unavailable"  // 69
    case cannotCreate = "cannot-create"  // 73
    case temporary = "temporary"  // 75
}

public struct StepFailed: Codable, Equatable, Sendable {
    public var step: StepName
    public var attempt: Int
    public var reason: String
    public var kind: FailureKind

    public init(step: StepName, attempt: Int, reason: String, kind: FailureKind) {
        self.step = step
        self.attempt = attempt
        self.reason = reason
        self.kind = kind
    }
}

/// What reconcile found after a crash left a step indeterminate: the effect (with its outcome),
/// or nothing, in which case the step runs again.
public struct StepReconciled: Codable, Equatable, Sendable {
    public var step: StepName
    public var attempt: Int
    public var found: StepOutcome?

    public init(step: StepName, attempt: Int, found: StepOutcome? = nil) {
        self.step = step
        self.attempt = attempt
        self.found = found
    }
}

public struct StepSkipped: Codable, Equatable, Sendable {
    public var step: StepName
    public var reason: String

    public init(step: StepName, reason: String) {
        self.step = step
        self.reason = reason
    }
}

public struct StepAwaitingOperator: Codable, Equatable, Sendable {
    public var step: StepName
    public var instructions: String

    public init(step: StepName, instructions: String) {
        self.step = step
        self.instructions = instructions
    }
}

/// An operator said a step is done (`casa-release confirm`, or yes to resume's question). The
/// event's actor and time say who and when; `by` repeats who, for people reading the payload.
public struct StepConfirmed: Codable, Equatable, Sendable {
    public var step: StepName
    public var by: String
    public var note: String?
    /// What the step's after-the-fact check saw, when it has one and it passed.
    public var check: String?

    public init(step: StepName, by: String, note: String? = nil, check: String? = nil) {
        self.step = step
        self.by = by
        self.note = note
        self.check = check
    }
}

/// The check of a confirmed operator step failed: the step waits for its operator again.
public struct OperatorCheckFailed: Codable, Equatable, Sendable {
    public var step: StepName
    public var reason: String

    public init(step: StepName, reason: String) {
        self.step = step
        self.reason = reason
    }
}

/// A failed publication taken back: what was removed from the target.
public struct PublicationRolledBack: Codable, Equatable, Sendable {
    public var target: String
    public var removed: [String]
    public var reason: String

    public init(target: String, removed: [String], reason: String) {
        self.target = target
        self.removed = removed
        self.reason = reason
    }
}

public struct RunCompleted: Codable, Equatable, Sendable {
    public init() {}
}

/// A completed publication taken back on purpose (`casa-release rollback`): its files removed
/// from the target, or moved into `attic/` there, and its local numbered links removed. The
/// previous N is the highest again; the ledger keeps both the publication and its retraction.
public struct PublicationRetracted: Codable, Equatable, Sendable {
    public var target: String
    public var buildNumber: Int
    /// Names removed from the target.
    public var removed: [String]
    /// Names moved, as `name -> attic/name`.
    public var movedToAttic: [String: String]
    /// Local numbered links removed.
    public var localLinksRemoved: [String]
    public var by: String
    public var reason: String?

    public init(
        target: String, buildNumber: Int, removed: [String], movedToAttic: [String: String],
        localLinksRemoved: [String], by: String, reason: String?
    ) {
        self.target = target
        self.buildNumber = buildNumber
        self.removed = removed
        self.movedToAttic = movedToAttic
        self.localLinksRemoved = localLinksRemoved
        self.by = by
        self.reason = reason
    }
}

extension RunEvent {
    /// The stored type of `.leaseReleased`: the event that ends a command's work on a run.
    public static let leaseReleasedType = Kind.leaseReleased.rawValue

    /// The kinds of event, as stored in the ledger's `type` column: each written once, here. A
    /// kind is never renamed (the ledger fixtures of Tests/Fixtures hold every one); a change of
    /// format is a new kind, or a migration of the events.
    public enum Kind: String, CaseIterable, Sendable {
        case runStarted = "RunStarted"
        case leaseAcquired = "LeaseAcquired"
        case leaseReleased = "LeaseReleased"
        case stepStarted = "StepStarted"
        case stepSucceeded = "StepSucceeded"
        case stepFailed = "StepFailed"
        case stepReconciled = "StepReconciled"
        case stepSkipped = "StepSkipped"
        case stepAwaitingOperator = "StepAwaitingOperator"
        case stepConfirmed = "StepConfirmed"
        case operatorCheckFailed = "OperatorCheckFailed"
        case publicationRolledBack = "PublicationRolledBack"
        case runCompleted = "RunCompleted"
        case publicationRetracted = "PublicationRetracted"
        case dockerTagsRestored = "DockerTagsRestored"
        case buildNumberReserved = "BuildNumberReserved"
    }

    /// The event's kind.
    public var kind: Kind {
        switch self {
        case .runStarted: return .runStarted
        case .leaseAcquired: return .leaseAcquired
        case .leaseReleased: return .leaseReleased
        case .stepStarted: return .stepStarted
        case .stepSucceeded: return .stepSucceeded
        case .stepFailed: return .stepFailed
        case .stepReconciled: return .stepReconciled
        case .stepSkipped: return .stepSkipped
        case .stepAwaitingOperator: return .stepAwaitingOperator
        case .stepConfirmed: return .stepConfirmed
        case .operatorCheckFailed: return .operatorCheckFailed
        case .publicationRolledBack: return .publicationRolledBack
        case .runCompleted: return .runCompleted
        case .publicationRetracted: return .publicationRetracted
        case .dockerTagsRestored: return .dockerTagsRestored
        case .buildNumberReserved: return .buildNumberReserved
        }
    }

    /// The event's type, as stored in the ledger's `type` column.
    public var typeName: String { kind.rawValue }

    /// The canonical payload: JSON with sorted keys, so the same event always has the same bytes
    /// (the hash chain depends on it). Written by `LedgerJSONEncoder`, byte for byte what
    /// `JSONEncoder` writes (every event of the fixture ledgers is written again and compared:
    /// Tests/ReleaseLedgerTests/Store/LedgerFormatTests.swift).
    public func encodedPayload() throws -> Data {
        func encode<T: Encodable>(_ payload: T) throws -> Data { Data(try LedgerJSONEncoder.encode(payload).utf8) }
        switch self {
        case .runStarted(let payload): return try encode(payload)
        case .leaseAcquired(let payload): return try encode(payload)
        case .leaseReleased(let payload): return try encode(payload)
        case .stepStarted(let payload): return try encode(payload)
        case .stepSucceeded(let payload): return try encode(payload)
        case .stepFailed(let payload): return try encode(payload)
        case .stepReconciled(let payload): return try encode(payload)
        case .stepSkipped(let payload): return try encode(payload)
        case .stepAwaitingOperator(let payload): return try encode(payload)
        case .stepConfirmed(let payload): return try encode(payload)
        case .operatorCheckFailed(let payload): return try encode(payload)
        case .publicationRolledBack(let payload): return try encode(payload)
        case .runCompleted(let payload): return try encode(payload)
        case .publicationRetracted(let payload): return try encode(payload)
        case .dockerTagsRestored(let payload): return try encode(payload)
        case .buildNumberReserved(let payload): return try encode(payload)
        }
    }

    /// Reads an event back from its type and payload (through `LedgerJSONDecoder`: what it
    /// reads is what `JSONDecoder` reads, faster).
    public static func decode(type: String, payload: Data) throws -> RunEvent {
        try decode(type: type, payload: [UInt8](payload), with: LedgerJSONDecoder.self)
    }

    /// The same, from the payload's text as the ledger stores it.
    public static func decode(type: String, payloadText: String) throws -> RunEvent {
        try decode(type: type, payload: [UInt8](payloadText.utf8), with: LedgerJSONDecoder.self)
    }

    /// The same, through `decoder` (the tests compare `LedgerJSONDecoder` with `JSONDecoder`).
    static func decode<Decoder: PayloadDecoding>(
        type: String, payload: [UInt8], with decoder: Decoder.Type
    ) throws -> RunEvent {
        guard let kind = Kind(rawValue: type) else { throw UnknownEventType(type: type) }
        switch kind {
        case .runStarted: return .runStarted(try decoder.decode(RunStarted.self, from: payload))
        case .leaseAcquired: return .leaseAcquired(try decoder.decode(LeaseAcquired.self, from: payload))
        case .leaseReleased: return .leaseReleased(try decoder.decode(LeaseReleased.self, from: payload))
        case .stepStarted: return .stepStarted(try decoder.decode(StepStarted.self, from: payload))
        case .stepSucceeded: return .stepSucceeded(try decoder.decode(StepSucceeded.self, from: payload))
        case .stepFailed: return .stepFailed(try decoder.decode(StepFailed.self, from: payload))
        case .stepReconciled: return .stepReconciled(try decoder.decode(StepReconciled.self, from: payload))
        case .stepSkipped: return .stepSkipped(try decoder.decode(StepSkipped.self, from: payload))
        case .stepAwaitingOperator:
            return .stepAwaitingOperator(try decoder.decode(StepAwaitingOperator.self, from: payload))
        case .stepConfirmed: return .stepConfirmed(try decoder.decode(StepConfirmed.self, from: payload))
        case .operatorCheckFailed:
            return .operatorCheckFailed(try decoder.decode(OperatorCheckFailed.self, from: payload))
        case .publicationRolledBack:
            return .publicationRolledBack(try decoder.decode(PublicationRolledBack.self, from: payload))
        case .runCompleted: return .runCompleted(try decoder.decode(RunCompleted.self, from: payload))
        case .publicationRetracted:
            return .publicationRetracted(try decoder.decode(PublicationRetracted.self, from: payload))
        case .dockerTagsRestored: return .dockerTagsRestored(try decoder.decode(DockerTagsRestored.self, from: payload))
        case .buildNumberReserved:
            return .buildNumberReserved(try decoder.decode(BuildNumberReserved.self, from: payload))
        }
    }

    /// The outcome an event records for its step: a success's, or what reconcile found.
    public var outcome: StepOutcome? {
        switch self {
        case .stepSucceeded(let event): return event.outcome
        case .stepReconciled(let event): return event.found
        default: return nil
        }
    }

    /// The step an event is about, if any.
    public var step: StepName? {
        switch self {
        case .stepStarted(let event): return event.step
        case .stepSucceeded(let event): return event.step
        case .stepFailed(let event): return event.step
        case .stepReconciled(let event): return event.step
        case .stepSkipped(let event): return event.step
        case .stepAwaitingOperator(let event): return event.step
        case .stepConfirmed(let event): return event.step
        case .operatorCheckFailed(let event): return event.step
        case .buildNumberReserved(let event): return event.step
        default: return nil
        }
    }
}

/// An event type this version of casa-release does not know (written by a newer one).
public struct UnknownEventType: Error, Equatable, CustomStringConvertible {
    public var type: String
    public var description: String { "unknown event type \(type) (written by a newer casa-release?)" }
}
