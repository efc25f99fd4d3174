import Foundation

/// A DSSE envelope (github.com/secure-systems-lab/dsse, v1): a payload, its type, and
/// signatures over the pre-authentication encoding of both, so that a signature can never be
/// taken for one over another type. casa-release signs in-toto statements in them, one envelope a
/// line in `<image>.intoto.jsonl`, as in-toto's attestation bundles do.
public struct DSSEEnvelope: Codable, Equatable, Sendable {
    /// The base64 of the payload's bytes.
    public var payload: String
    public var payloadType: String
    public var signatures: [Signature]

    public struct Signature: Codable, Equatable, Sendable {
        /// The signing key's id (TUF's, `VerifyingKey.keyID`); a hint, never trusted on its own.
        public var keyid: String
        /// The base64 of the DER ECDSA signature.
        public var sig: String

        public init(keyid: String, sig: String) {
            self.keyid = keyid
            self.sig = sig
        }
    }

    /// in-toto's payload type for statements.
    public static let inTotoPayloadType = "application/vnd.in-toto+json"

    /// DSSE's pre-authentication encoding: `DSSEv1 <len(type)> <type> <len(body)> <body>`.
    public static func preAuthenticationEncoding(payloadType: String, payload: Data) -> Data {
        var encoded = Data("DSSEv1 \(payloadType.utf8.count) \(payloadType) \(payload.count) ".utf8)
        encoded.append(payload)
        return encoded
    }

    /// Signs `payload` of `payloadType` with `key`.
    public static func sign(_ payload: Data, payloadType: String, with key: SigningKey) throws -> DSSEEnvelope {
        let signature = try key.sign(preAuthenticationEncoding(payloadType: payloadType, payload: payload))
        return DSSEEnvelope(
            payload: payload.base64EncodedString(), payloadType: payloadType,
            signatures: [Signature(keyid: key.verifyingKey.keyID, sig: signature.base64EncodedString())])
    }

    public init(payload: String, payloadType: String, signatures: [Signature]) {
        self.payload = payload
        self.payloadType = payloadType
        self.signatures = signatures
    }

    /// The envelope as one line of JSON (no newline inside, sorted keys), for a `.jsonl` file.
    public var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // An envelope is strings alone: its encoding cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Reads the envelopes of a `.intoto.jsonl` file, one a non-empty line.
    public static func parseLines(_ data: Data) throws -> [DSSEEnvelope] {
        var envelopes: [DSSEEnvelope] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated()
        where !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) {
            do {
                envelopes.append(try JSONDecoder().decode(DSSEEnvelope.self, from: Data(line)))
            } catch {
                throw SigningError(.malformed, "line \(index + 1) is not a DSSE envelope")
            }
        }
        return envelopes
    }

    /// The payload, once a signature by `key` over it verifies; nil when none does (a changed
    /// payload, another key, a signature over another payload type).
    public func verifiedPayload(with key: VerifyingKey) -> Data? {
        guard let payload = Self.base64(payload) else { return nil }
        let message = Self.preAuthenticationEncoding(payloadType: payloadType, payload: payload)
        for signature in signatures {
            guard let bytes = Self.base64(signature.sig) else { continue }
            if key.isValidSignature(bytes, for: message) { return payload }
        }
        return nil
    }

    /// The envelope's payload bytes, unverified (for telling which statement an envelope carries).
    public static func payloadBytes(_ envelope: DSSEEnvelope) -> Data? { base64(envelope.payload) }

    /// DSSE allows standard or URL-safe base64, padded or not.
    static func base64(_ text: String) -> Data? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard)
    }
}
