import Foundation

/// The immutable numbered tags of publish-docker: every publication of `<tag>` also gets
/// `<tag>-<N>`, N above every `<tag>-<n>` the registry lists and every one this ledger recorded,
/// as a `.sif` gets `<name>-<N>.sif`.
public enum DockerNumberedTags {
    /// `<tag>-<number>`.
    public static func tag(_ tag: String, _ number: Int) -> String { tag + "-" + String(number) }

    /// The highest n of the `<tag>-<n>` among `tags`; nil when there is none.
    public static func highest(of tag: String, in tags: [String]) -> Int? {
        let prefix = tag + "-"
        return tags.compactMap { candidate -> Int? in
            guard candidate.hasPrefix(prefix) else { return nil }
            let digits = candidate.dropFirst(prefix.count)
            // `5.4-01` is not a number this scheme hands out; a tag of the definitions is not either.
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                digits.first != "0"
            else { return nil }
            return Int(digits)
        }.max()
    }

    /// The highest n taken among `tags`: by a `<tag>-<n>`, or by a claim on one
    /// (`<tag>-<n>.claim-<token>`, see Executors' `NumberedTagClaim`), even one left behind by a
    /// registry that does not let its claims be removed: a number is never chosen twice.
    public static func highestTaken(of tag: String, in tags: [String]) -> Int? {
        let unclaimed = tags.map { candidate -> String in
            guard let claim = candidate.range(of: ".claim-") else { return candidate }
            return String(candidate[..<claim.lowerBound])
        }
        return highest(of: tag, in: unclaimed)
    }

    /// The key of `ledgerNumbers`: `cati/<name>:<tag>`.
    public static func key(_ repository: String, _ tag: String) -> String { repository + ":" + tag }
}
