import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine
import Signing

/// `signing_key=`: the release key a publication signs with (default `$CASA_RELEASE_SIGNING_KEY`;
/// none: the publication is not signed).
struct SigningOptions: ParsableArguments {
    @Option(
        name: .customLong("signing-key"),
        help:
            "The release key (a private key file) that signs the image's provenance (default: $CASA_RELEASE_SIGNING_KEY; none: unsigned). Its passphrase comes from $CASA_RELEASE_KEY_PASSPHRASE."
    )
    var signingKey: String?

    /// The key to sign with, opened now so that a missing or locked key stops the command before
    /// anything is recorded (69); nil when no key is configured. `purpose` ends "cannot sign …".
    func openKey(for purpose: String = "the publication") throws -> (path: String, key: SigningKey)? {
        guard let path = ReleaseKeyLocation.configured(signingKey) else { return nil }
        do {
            return (path, try KeyFiles.readSigningKey(path, passphrase: ReleaseKeyLocation.passphrase))
        } catch let error as SigningError {
            throw CommandFailure(
                error.kind == .library ? .internalError : .unavailable, "cannot sign \(purpose): \(error.message)")
        }
    }
}

extension SigningOptions {
    /// The target's TUF root must trust the key that will sign: checked before anything is recorded.
    static func checkMirror(_ address: String, key: SigningKey, transfers: TransferOptions) throws {
        try MirrorMetadataStep.checkKey(key, on: try PublicationTargets.open(address, transfers: transfers.settings()))
    }

}

/// The provenance a signed publication signs: the ledger's SLSA statement of the image, as
/// `provenance IMAGE --format slsa` prints it, in the bytes that are signed.
enum SignedProvenance {
    static func statement(of image: String, in ledger: Ledger) throws -> String {
        let record: ImageRecord
        do {
            record = try ImageTarget.resolve(image, in: ledger)
        } catch {
            // The image is the command's input, not a name to look up: bad input data (65).
            throw CommandFailure(.badInput, "cannot sign the publication: \(CommandFailure.from(error).message)")
        }
        let graph = try ledger.provenance(of: record)
        do {
            return try encode(try SLSAStatement(graph))
        } catch let error as SLSAProvenanceError {
            throw CommandFailure(.badInput, "cannot sign the publication of \(image): \(error.description)")
        }
    }

    /// One line of JSON, keys sorted: the bytes of the DSSE payload.
    static func encode(_ statement: SLSAStatement) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(statement), as: UTF8.self)
    }
}
