import Foundation
import Signing
import Testing

/// DSSE envelopes: the pre-authentication encoding of the specification, and what verifies.
@Suite struct DSSEEnvelopeTests {
    /// The specification's own example of PAE (github.com/secure-systems-lab/dsse, protocol.md).
    @Test func thePreAuthenticationEncodingIsTheSpecifications() {
        let encoded = DSSEEnvelope.preAuthenticationEncoding(
            payloadType: "http://example.com/HelloWorld", payload: Data("hello world".utf8))
        #expect(String(decoding: encoded, as: UTF8.self) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    }

    @Test func aSignedPayloadVerifiesAndAnyChangeIsRefused() throws {
        let key = try SigningKey.generate()
        let payload = Data(#"{"_type":"https://in-toto.io/Statement/v1"}"#.utf8)
        let envelope = try DSSEEnvelope.sign(payload, payloadType: DSSEEnvelope.inTotoPayloadType, with: key)
        #expect(envelope.signatures.map(\.keyid) == [key.verifyingKey.keyID])
        #expect(envelope.verifiedPayload(with: key.verifyingKey) == payload)
        #expect(!envelope.jsonLine.contains("\n"))
        #expect(try DSSEEnvelope.parseLines(Data((envelope.jsonLine + "\n").utf8)) == [envelope])

        var changed = envelope
        changed.payload = Data(#"{"_type":"https://in-toto.io/Statement/v2"}"#.utf8).base64EncodedString()
        #expect(changed.verifiedPayload(with: key.verifyingKey) == nil)
        var retyped = envelope
        retyped.payloadType = "application/json"
        #expect(retyped.verifiedPayload(with: key.verifyingKey) == nil)
        #expect(envelope.verifiedPayload(with: try SigningKey.generate().verifyingKey) == nil)
        // The key id is a hint: a forged id does not make another key's signature pass.
        var forged = try DSSEEnvelope.sign(
            payload, payloadType: DSSEEnvelope.inTotoPayloadType, with: SigningKey.generate())
        forged.signatures[0].keyid = key.verifyingKey.keyID
        #expect(forged.verifiedPayload(with: key.verifyingKey) == nil)
    }

    @Test func linesThatAreNotEnvelopesAreRefused() {
        #expect(throws: SigningError.self) { try DSSEEnvelope.parseLines(Data("{\"payload\": 1}\n".utf8)) }
        #expect((try? DSSEEnvelope.parseLines(Data("\n\n".utf8)))?.isEmpty == true)
    }
}
