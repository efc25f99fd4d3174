import Foundation

/// What `verifyChainAndProjections` found, and what a later verification may start from.
public struct FullVerification: Sendable {
    public var chain: ChainReport
    public var differences: [ProjectionDifference]
    /// How many runs were replayed from their events and compared row by row.
    public var replayedRuns: Int
    /// How many runs were found as the checkpoint remembers them, and not replayed.
    public var rememberedRuns: Int
    /// What a later verification may start from; nil when something was found.
    public var checkpoint: VerificationCheckpoint?
}

extension Ledger {
    /// The hash chain walked, and every projection checked against the events.
    ///
    /// The chain is walked on a second connection, on a thread of its own. Without a
    /// `checkpoint`, every projection is rebuilt from the events meanwhile, and compared
    /// (`checkProjections`): the rebuild's workers leave part of the second core idle, and the
    /// walk fills it. With one, this thread reads the digest of every run's projection rows
    /// meanwhile (ProjectionDigests); then, if the walk passed the checkpoint's event, only the
    /// runs that are not as the checkpoint remembers them are replayed and compared, on the
    /// snapshot the digests were read from (VerificationCheckpoint.swift says why that is
    /// enough). A checkpoint of another log, or one from which more than a quarter of the runs
    /// moved, gives a full check.
    ///
    /// The differences are an intact chain's only: with a broken chain they are empty, whatever
    /// the rebuild found or failed on (the chain is what `verify` tells first; a rebuild of a
    /// broken history may fail on the very event that breaks it).
    public func verifyChainAndProjections(
        limit: Int = 20, from checkpoint: VerificationCheckpoint? = nil
    ) throws -> FullVerification {
        let walker = Ledger(store: try store.openReader())
        let walked = BackgroundWork { _ in
            try walker.read { db in
                var walk = ChainWalk()
                return (report: try walk.continue(in: db), runs: walk.runEnds, end: walk.end)
            }
        }
        if let checkpoint {
            let fromCheckpoint = try read { db -> FullVerification? in
                let digests = try ProjectionDigests.read(from: db)
                let walk = try walked.wait().get()
                guard walk.report.firstMismatch == nil else { return .chainAlone(walk.report) }
                guard checkpoint.sequence > 0, checkpoint.sequence <= walk.end.sequence, !digests.hasRowsWithoutRun,
                    try db.value(String.self, "SELECT hash FROM events WHERE sequence = ?", [checkpoint.sequence])
                        == checkpoint.hash
                else { return nil }
                // A run written to after the walk's snapshot has rows the walk's events did not make.
                let appended = try Self.runs(after: walk.end.sequence, in: db)
                let runs = Set(walk.runs.keys).union(digests.byRun.keys)
                let replayed = runs.filter { run in
                    guard !appended.contains(run), let remembered = checkpoint.runs[run] else { return true }
                    return remembered.version != walk.runs[run]?.version || remembered.digest != digests.byRun[run]
                }
                if replayed.count * 4 > runs.count { return nil }
                let differences = try Self.checkRuns(replayed, in: db, limit: limit)
                return FullVerification(
                    chain: walk.report, differences: differences, replayedRuns: replayed.count,
                    rememberedRuns: runs.count - replayed.count,
                    checkpoint: differences.isEmpty
                        ? Self.checkpoint(at: walk.end, runs: walk.runs, digests: digests) : nil)
            }
            if let fromCheckpoint { return fromCheckpoint }
        }
        let checked = Result { try checkProjections(limit: limit, stop: nil, digesting: true) }
        let walk = try walked.wait().get()
        guard walk.report.firstMismatch == nil else { return .chainAlone(walk.report) }
        let (differences, digests) = try checked.get()
        return FullVerification(
            chain: walk.report, differences: differences, replayedRuns: walk.runs.count, rememberedRuns: 0,
            checkpoint: differences.isEmpty
                ? digests.flatMap { Self.checkpoint(at: walk.end, runs: walk.runs, digests: $0) } : nil)
    }

    /// What to remember of a verification that found nothing: each run the walk saw whose rows
    /// were read (`digests`) as its events up to the walk's end made them (the last event they
    /// name is the walk's last of the run). A run written to after the walk, or while the check
    /// read, is left out: the next verification replays it.
    static func checkpoint(
        at end: (sequence: Int64, hash: String), runs: [String: (version: Int, last: Int64)], digests: ProjectionDigests
    ) -> VerificationCheckpoint? {
        guard end.sequence > 0 else { return nil }
        var remembered: [String: VerificationCheckpoint.Run] = [:]
        for (run, walked) in runs {
            guard let digest = digests.byRun[run], digests.lastSequences[run] == walked.last else { continue }
            remembered[run] = VerificationCheckpoint.Run(version: walked.version, digest: digest)
        }
        return VerificationCheckpoint(sequence: end.sequence, hash: end.hash, runs: remembered)
    }
}

extension FullVerification {
    /// A verification of the chain alone: no projection checked, nothing to remember (also what
    /// a broken chain gives: nothing else is told).
    public static func chainAlone(_ chain: ChainReport) -> FullVerification {
        FullVerification(chain: chain, differences: [], replayedRuns: 0, rememberedRuns: 0, checkpoint: nil)
    }
}
