import Foundation
import ReleaseStateMachine

/// One TUF metadata file (the specification's "signed" and "signatures"): what a role says, and
/// the signatures over its canonical JSON. Written as canonical JSON itself.
public struct TUFMetadata: Equatable, Sendable {
    public var signed: JSONValue
    public var signatures: [Signature]

    public struct Signature: Equatable, Sendable {
        public var keyID: String
        /// Lowercase hex of the DER ECDSA signature, as securesystemslib writes it.
        public var signature: String
    }

    public init(signed: JSONValue, signatures: [Signature]) {
        self.signed = signed
        self.signatures = signatures
    }

    /// `signed` signed by each of `keys`.
    public static func signing(_ signed: JSONValue, with keys: [SigningKey]) throws -> TUFMetadata {
        let bytes = try CanonicalJSON.encode(signed)
        return TUFMetadata(
            signed: signed,
            signatures: try keys.map {
                Signature(keyID: $0.verifyingKey.keyID, signature: Hex.encode(try $0.sign(bytes)))
            })
    }

    /// The file's bytes: JSON, keys sorted, compact.
    public var bytes: Data {
        get throws {
            try CanonicalJSON.file(
                .object([
                    JSONMember(
                        "signatures",
                        .array(
                            signatures.map {
                                .object([
                                    JSONMember("keyid", .string($0.keyID)), JSONMember("sig", .string($0.signature)),
                                ])
                            })),
                    JSONMember("signed", signed),
                ]))
        }
    }

    /// Reads a metadata file of role `expected`; anything else is refused.
    public static func parse(_ data: Data, role expected: TUFRole) throws -> TUFMetadata {
        guard let value = try? JSONParser.parse(String(decoding: data, as: UTF8.self)),
            let signed = value["signed"], case .array(let list)? = value["signatures"]
        else { throw TUFError.malformed(expected, "not TUF metadata (signed and signatures)") }
        let signatures = try list.map { entry -> Signature in
            guard let keyID = entry["keyid"]?.stringValue, let signature = entry["sig"]?.stringValue else {
                throw TUFError.malformed(expected, "a signature without keyid or sig")
            }
            return Signature(keyID: keyID, signature: signature)
        }
        let metadata = TUFMetadata(signed: signed, signatures: signatures)
        guard metadata.type == expected.rawValue else {
            throw TUFError.malformed(expected, "its _type is \(metadata.type ?? "missing")")
        }
        guard metadata.version != nil, metadata.expires != nil else {
            throw TUFError.malformed(expected, "no version or expiry")
        }
        return metadata
    }

    public var type: String? { signed["_type"]?.stringValue }
    public var version: Int? { signed["version"]?.integerValue.map(Int.init) }
    public var expires: String? { signed["expires"]?.stringValue }

    /// Whether at least `threshold` of `keys` (each counted once) signed this metadata.
    public func isSigned(byThreshold threshold: Int, of keys: [VerifyingKey]) -> Bool {
        guard threshold >= 1, let bytes = try? CanonicalJSON.encode(signed) else { return false }
        var counted = Set<String>()
        for signature in signatures where !counted.contains(signature.keyID) {
            guard let key = keys.first(where: { $0.keyID == signature.keyID }),
                let der = Hex.decode(signature.signature), key.isValidSignature(Data(der), for: bytes)
            else { continue }
            counted.insert(signature.keyID)
        }
        return counted.count >= threshold
    }
}

/// The four top-level roles.
public enum TUFRole: String, CaseIterable, Sendable {
    case root, targets, snapshot, timestamp

    /// The file a client fetches (the repository does not use consistent snapshots, so that the
    /// images keep their plain names: `tuf/targets.json`, and `tuf/<N>.root.json` for roots).
    public var fileName: String { rawValue + ".json" }
}

/// Why metadata is refused.
public enum TUFError: Error, Equatable, CustomStringConvertible {
    case malformed(TUFRole, String)
    case unsigned(TUFRole, String)
    /// The metadata is fine, the keys given cannot make the change: another key is needed.
    case keyNeeded(String)

    public var description: String {
        switch self {
        case .malformed(let role, let reason): return "\(role.fileName) is malformed: \(reason)"
        case .unsigned(let role, let reason): return "\(role.fileName) is not signed as its root requires: \(reason)"
        case .keyNeeded(let reason): return reason
        }
    }
}
