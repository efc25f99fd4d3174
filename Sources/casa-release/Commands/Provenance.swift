import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine
import Signing

/// `casa-release provenance TARGET [--format text|json|slsa|dot]`
struct Provenance: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provenance", _superCommandName: DirectParse.superCommandName,
        abstract:
            "Trace an image to what made it: publications, run, environment, run image, base, ISO or upstream image.",
        discussion: """
            TARGET is an image path, an image_id, a sha256 (or a unique prefix of at least 6 digits), \
            or a published file name or URL (casa-run-5.4-3.sif, sftp://host/dir/casa-run-5.4-3.sif). \
            A path names the last image recorded there; a file the ledger has no record of is found by \
            its sha256. Formats: text (a tree), json (the graph), slsa (an in-toto Statement v1 with a \
            SLSA Provenance v1 predicate), dot (Graphviz: | dot -Tsvg > chain.svg).

            With --verify, TARGET is a downloaded file, checked against its signed provenance \
            (TARGET.intoto.jsonl, or --attestation) with the release's public key (--key) alone: no \
            ledger is read. A file that does not match exits 65.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, slsa, dot
    }

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The image: a path, image_id, sha256 or prefix, published file name or URL.")
    var target: String

    @Option(help: "text, json, slsa or dot (--json is --format json).")
    var format: Format?

    @Flag(help: "Check the file TARGET against its signed provenance with a public key; no ledger needed.")
    var verify = false

    @Option(help: "With --verify: the release's public key (default: $CASA_RELEASE_SIGNING_KEY.pub).")
    var key: String?

    @Option(help: "With --verify: the signed provenance (default: TARGET.intoto.jsonl).")
    var attestation: String?

    func run() throws {
        if verify { return try verifyFile() }
        let ledger = try global.openLedgerForReading()
        let output = global.output
        let graph = try ledger.provenance(of: try ImageTarget.resolve(target, in: ledger))
        switch format ?? (global.json ? .json : .text) {
        case .text: output.result(ProvenanceText.render(graph))
        case .json: try output.emitJSON(graph)
        case .dot: output.result(ProvenanceDot.render(graph))
        case .slsa:
            do {
                try output.emitJSON(try SLSAStatement(graph))
            } catch let error as SLSAProvenanceError {
                throw CommandFailure(.badInput, error.description)
            }
        }
    }

    /// `--verify`: the file's SHA-256 against a signed statement, with the public key alone.
    private func verifyFile() throws {
        let file = Paths.absolute(target)
        guard let keyPath = key.map(Paths.absolute) ?? ReleaseKeyLocation.configured(nil).map(KeyFiles.publicKeyPath)
        else {
            throw CommandFailure(
                .usage, "--verify needs the release's public key: --key FILE.pub (or set CASA_RELEASE_SIGNING_KEY)")
        }
        let publicKey = try KeyFiles.readVerifyingKey(keyPath, passphrase: ReleaseKeyLocation.passphrase)
        let bundlePath = attestation.map(Paths.absolute) ?? file + ".intoto.jsonl"
        guard let bundle = FileManager.default.contents(atPath: bundlePath) else {
            throw CommandFailure(.badInput, "no signed provenance for \(file): cannot read \(bundlePath)")
        }
        let sha256 = try FileDigests.compute(path: file).sha256
        let verified: AttestationCheck.Verified
        do {
            verified = try AttestationCheck.verify(sha256: sha256, bundle: bundle, key: publicKey)
        } catch let mismatch as AttestationCheck.Mismatch {
            throw CommandFailure(.badInput, "\(FilePath.lastComponent(file)) is NOT verified: \(mismatch)")
        }
        let output = global.output
        let statement = try? JSONDecoder().decode(SLSAStatement.self, from: verified.statement)
        if global.json {
            try output.emitJSON([
                "file": file, "sha256": sha256, "verified": "yes", "keyid": verified.keyID,
                "predicate_type": verified.predicateType ?? "",
                "run": statement?.predicate.runDetails.metadata.invocationId ?? "",
            ])
            return
        }
        var lines = [
            "verified: \(FilePath.lastComponent(file)) (sha256 \(sha256)) is the subject of provenance signed by key \(verified.keyID)"
        ]
        if let statement {
            let build = statement.predicate.buildDefinition
            let run = statement.predicate.runDetails.metadata
            lines.append(
                "  built by run \(run.invocationId) (\(build.buildType)), started \(run.startedOn)"
                    + (build.internalParameters["host"].map { " on \($0)" } ?? ""))
        }
        output.result(lines.joined(separator: "\n"))
    }
}
