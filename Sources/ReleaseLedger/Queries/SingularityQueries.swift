import Foundation
import ReleaseStateMachine

extension Ledger {
    /// The last `.sif` each completed create-singularity run made, by output path, as its
    /// describe step recorded it; `upToDateSince` names the run that made the file.
    public func latestSingularityImages() throws -> [String: SingularityImage] {
        var latest: [String: SingularityImage] = [:]
        for (run, outcome) in try describeOutcomes(of: .singularityImages) {
            guard case .singularity(.described(let images)) = outcome else { continue }
            for var image in images {
                if image.upToDateSince == nil { image.upToDateSince = run }
                latest[image.output] = image
            }
        }
        return latest
    }
}
