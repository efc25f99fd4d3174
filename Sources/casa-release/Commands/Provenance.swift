import ArgumentParser
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release provenance TARGET [--format text|json|slsa|dot]`
struct Provenance: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provenance",
        abstract:
            "Trace an image to what made it: publications, run, environment, run image, base, ISO or upstream image.",
        discussion: """
            TARGET is an image path, an image_id, a sha256 (or a unique prefix of at least 6 digits), \
            or a published file name or URL (casa-run-5.4-3.sif, sftp://host/dir/casa-run-5.4-3.sif). \
            A path names the last image recorded there; a file the ledger has no record of is found by \
            its sha256. Formats: text (a tree), json (the graph), slsa (an in-toto Statement v1 with a \
            SLSA Provenance v1 predicate), dot (Graphviz: | dot -Tsvg > chain.svg).
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

    func run() throws {
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
}
