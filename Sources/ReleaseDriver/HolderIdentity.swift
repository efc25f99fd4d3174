import Foundation
import ReleaseStateMachine

/// Who the driver is, and how it judges another holder of a run's lease: the process itself in
/// the binary (`ProcessIdentity`), a named fake in tests (two drivers of one process then act
/// as two hosts).
public protocol HolderIdentity {
    /// This driver as the holder of a lease taken at `now`.
    func leaseHolder(now: Date) -> LeaseHolder

    /// `user@host`, recorded with every event.
    var actor: String { get }

    /// Whether `holder` still runs, judged by its pid where that can be told (the ledger asks
    /// only about holders of the same host, boot and pid namespace).
    func isAlive(_ holder: LeaseHolder) -> Bool
}

/// Where the driver reads the time: the machine's clock, or a test's.
public protocol RunClock {
    func now() -> Date
}

/// The machine's clock.
public struct SystemClock: RunClock {
    public init() {}
    public func now() -> Date { Date() }
}
