import Foundation
import ReleaseStateMachine

extension Ledger {
    /// Keeps a build number for the running claim step `step` of `run`: the first from
    /// `candidate` on that no other run of this ledger holds for the same image name on the same
    /// target (`BuildNumberReservation`). Chosen and recorded in one transaction, serialised with
    /// every other append, on every host that shares the ledger: two runs never get one number,
    /// whatever the target's own claim is worth. A run asking again (its claim interrupted) gets
    /// the number it holds. `writer` is checked against the run's lease, as every append is.
    public func reserveBuildNumber(
        run: String, step: StepName, from candidate: Int, by writer: LeaseHolder, actor: String, at time: Date
    ) throws -> Int {
        try immediateTransaction { db in
            let state = try currentState(db, stream: run)
            guard case .publication(.claimBuildNumber(let claim))? = state.step(step)?.intent else {
                throw DomainError.notAClaim(step)
            }
            let key = BuildNumberReservation.key(of: claim)
            let taken = try db.values(
                Int.self,
                """
                SELECT build_number FROM build_number_reservations
                WHERE target = ? AND image_name = ? AND build_number >= ? AND run_id <> ?
                """, [key.target, key.imageName, candidate, run])
            let number = BuildNumberReservation.firstFree(from: candidate, takenByOtherRuns: Set(taken))
            let events = try RunDecider.decide(.reserveBuildNumber(step, number: number), state, by: writer)
            _ = try remember(
                Self.insert(events, stream: run, after: state, actor: actor, at: time, db: db), stream: run)
            return number
        }
    }
}
