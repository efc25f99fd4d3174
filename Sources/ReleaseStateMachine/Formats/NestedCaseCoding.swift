import Foundation

/// The ledger's format of the per-pipeline enums nested in `StepIntent` and `StepOutcome`
/// (`DockerIntent`, `VirtualBoxIntent`, …): `{"<case>": {"_0": <value>}}` for a case with one
/// value, `{"<case>": {"<label>": <value>, …}}` for labelled values, as Swift's synthesized
/// `Codable` wrote them in the first ledgers. Each enum spells its case names and labels out
/// (its `Kind`), so that renaming a case in the code cannot change what the ledger holds; the
/// ledger fixtures check it (Tests/ReleaseLedgerTests/Store/LedgerFormatTests.swift).
struct NestedCaseKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ stringValue: String) { self.stringValue = stringValue }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }

    /// The key of a case's single unlabelled value.
    static let value = NestedCaseKey("_0")
}

enum NestedCase {
    /// The stored case name and the container of its values; `what` names the enum in errors.
    static func open(
        _ decoder: Decoder, _ what: String
    ) throws -> (name: String, values: KeyedDecodingContainer<NestedCaseKey>) {
        let container = try decoder.container(keyedBy: NestedCaseKey.self)
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: container.codingPath, debugDescription: "a \(what) holds exactly one case"))
        }
        return (key.stringValue, try container.nestedContainer(keyedBy: NestedCaseKey.self, forKey: key))
    }

    /// The error for a case name this version does not know.
    static func unknown(_ name: String, _ what: String, _ decoder: Decoder) -> DecodingError {
        DecodingError.dataCorrupted(
            .init(codingPath: decoder.codingPath, debugDescription: "unknown \(what) \"\(name)\""))
    }

    /// The container a case named `name` writes its values into.
    static func values(_ encoder: Encoder, _ name: String) -> KeyedEncodingContainer<NestedCaseKey> {
        var container = encoder.container(keyedBy: NestedCaseKey.self)
        return container.nestedContainer(keyedBy: NestedCaseKey.self, forKey: NestedCaseKey(name))
    }
}
