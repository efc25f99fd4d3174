import ArgumentParser
import Dashboard
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release report RUN|IMAGE --html DIR`: the dashboard's page of a run or an image as
/// static files, to publish beside the images.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", _superCommandName: DirectParse.superCommandName,
        abstract: "Write the dashboard page of a run or an image as static files (index.html, its JSON and style).",
        discussion: """
            RUN is a run id or a unique prefix of it; anything else names an image as provenance \\
            does (sha256, image_id, published file name, path). DIR gets index.html, index.json, \\
            dashboard.css and, for an image, graph.svg (drawn by Graphviz's dot when installed).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A run id (or unique prefix), or an image.")
    var subject: String

    @Option(help: "The directory to write the page into (created if missing).")
    var html: String

    func run() throws {
        let reader = try global.dashboardReader()
        let directory = Paths.absolute(html)
        var files: [(String, Data)] = [
            ("dashboard.css", Data(DashboardAssets.styleSheet.utf8)), ("icon.svg", Data(DashboardAssets.icon.utf8)),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let what: String
        // A run id (or prefix) first; only what names no run is looked up as an image, so that
        // a ledger that cannot be read says so instead of "no such image".
        var run: RunPage?
        do {
            run = try reader.run(subject)
        } catch is DashboardNotFound {
            run = nil
        }
        if let run {
            files.append(("index.html", Data(RunPageHTML.render(run, links: .report).utf8)))
            files.append(("index.json", try encoder.encode(run)))
            what = "run \(run.run.runID)"
        } else {
            let image: ImagePage
            do {
                image = try reader.image(subject)
            } catch let notFound as DashboardNotFound {
                throw CommandFailure(.usage, "\(subject) names no run and no image: \(notFound.description)")
            }
            let graph = ProvenancePicture.svg(image.provenance)
            if let graph { files.append(("graph.svg", graph)) }
            files.append(
                (
                    "index.html",
                    Data(ImagePageHTML.render(image, links: .report, graph: graph.map { _ in "graph.svg" }).utf8)
                )
            )
            files.append(("index.json", try encoder.encode(image)))
            what = "image \(image.image.path)"
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (name, data) in files {
                try data.write(to: URL(fileURLWithPath: directory + "/" + name), options: .atomic)
            }
        } catch {
            throw CommandFailure(.cannotCreate, "cannot write the report into \(directory): \(ErrorText.line(error))")
        }
        global.output.result("wrote the page of \(what) to \(directory)/index.html")
    }
}
