import Foundation
import Testing
import ReleaseStateMachine
@testable import TestSupport

/// `casa-release serve` in a real browser: headless Chromium (Debian's chromium and
/// chromium-driver) driven by Selenium, on the server on loopback, on either store (the
/// PostgreSQL pass runs this suite too). Every page loads with no console error; a run's timeline
/// shows its steps in order; a run driven by another process updates its open page; hostile
/// values stay text. Screenshots are kept under `.build/test-artifacts/dashboard/`.
@Suite struct DashboardBrowserTests {
    static let artifacts = Workspace.package + "/.build/test-artifacts/dashboard"

    /// A served dashboard of `workspace`'s ledger, started as the test servers are (nothing of
    /// the test process kept: it lives through the test), stopped when released.
    struct PageResult: Decodable {
        var name: String
        var title: String
        var errors: [String]
        var text: String
        var steps: [String]
        var hostile: Int
        var xss: Int?
        var waited: Bool?
        var then: Int32?
    }

    /// Runs the browser on `pages`, keeping screenshots under `prefix-<name>.png`.
    static func browse(_ pages: [[String: Any]], in workspace: Workspace) throws -> [String: PageResult] {
        let spec = workspace.root + "/browser.json"
        try JSONSerialization.data(withJSONObject: ["artifacts": artifacts, "pages": pages]).write(
            to: URL(fileURLWithPath: spec))
        let run = try PythonClients.runIsolated(PythonClients.dashboardBrowser, [spec])
        guard run.status == 0 else { throw FixtureError("the browser failed: \(run.output)") }
        var results: [String: PageResult] = [:]
        for line in run.output.split(separator: "\n") where line.hasPrefix("{") {
            let result = try JSONDecoder().decode(PageResult.self, from: Data(line.utf8))
            results[result.name] = result
        }
        return results
    }

    static var store: String { TestLedger.isPostgres ? "postgres" : "sqlite" }

    /// A failed release and its resume, a publication, the image and its target, the runs and
    /// the ledger: each page loads cleanly and says what it must.
    @Test func everyPageLoadsAndAFailedReleaseIsReadableFromItsRunPage() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace(baseBytes: 4096)
            try workspace.makeRecipes()
            #expect(try workspace.run(workspace.createArguments).status == 0)
            let failed = try workspace.run(
                ["create-base-image", "type=run", "image_version=5.4", "recipes=\(workspace.recipes)"],
                environment: ["STANDIN_APPTAINER_FAIL_BUILD": "1"])
            #expect(failed.status == 1, "\(failed.stderr)")
            let failedRun = try #require(try workspace.runIDs().first)
            let served = try ServedDashboard(workspace)
            let store = Self.store
            var results = try Self.browse(
                [["name": "failed-run-\(store)", "url": served.url + "runs/\(failedRun)"]], in: workspace)
            let failedPage = try #require(results["failed-run-\(store)"])
            #expect(failedPage.errors.isEmpty, "\(failedPage.errors)")
            #expect(failedPage.text.contains("Failed at build"), "\(failedPage.text)")
            #expect(failedPage.text.contains("stand-in failure"), "the log's end is on the page: \(failedPage.text)")
            #expect(failedPage.text.contains("casa-release resume \(failedRun)"))

            #expect(try workspace.run(["resume", failedRun]).status == 0)
            #expect(try workspace.run(workspace.publishArguments).status == 0)
            let publication = try #require(try workspace.runIDs().first)
            let state = try workspace.ledger().state(of: publication)
            let image = try #require(state.image?.sha256)
            // A user image from a dev environment, for the environment's page.
            let dev = try workspace.run(
                [
                    "create-base-image", "type=dev", "image_version=5.4", "recipes=\(workspace.recipes)",
                    "casa_distro=\(workspace.casaDistro)",
                ])
            #expect(dev.status == 0, "\(dev.stderr)")
            try workspace.makeDevEnvironment()
            let user = try workspace.run(workspace.userImageArguments)
            #expect(user.status == 0, "\(user.stderr)")
            // The same pages as static files, to publish beside the images.
            let reports = workspace.root + "/reports"
            let runReport = try workspace.run(["report", failedRun, "--html", reports + "/run"])
            #expect(runReport.status == 0, "\(runReport.stderr)")
            let imageReport = try workspace.run(["report", image, "--html", reports + "/image"])
            #expect(imageReport.status == 0, "\(imageReport.stderr)")
            #expect(FileManager.default.fileExists(atPath: reports + "/image/graph.svg"))
            #expect(FileManager.default.fileExists(atPath: reports + "/run/index.json"))
            results = try Self.browse(
                [
                    ["name": "resumed-run-\(store)", "url": served.url + "runs/\(failedRun)"],
                    ["name": "publication-run-\(store)", "url": served.url + "runs/\(publication)"],
                    ["name": "image-\(store)", "url": served.url + "images/\(image)"],
                    ["name": "runs-\(store)", "url": served.url + "runs"],
                    ["name": "health-\(store)", "url": served.url + "health"],
                    ["name": "environment-\(store)", "url": served.url + "environments/brainvisa-master-5.4"],
                    ["name": "report-run-\(store)", "url": "file://\(reports)/run/index.html"],
                    ["name": "report-image-\(store)", "url": "file://\(reports)/image/index.html"],
                    [
                        "name": "target-\(store)",
                        "url": served.url + "targets/"
                            + (("file://\(workspace.mirror)/").addingPercentEncoding(
                                withAllowedCharacters: .alphanumerics)
                                ?? "")
                            ,
                    ],
                ], in: workspace)
            for (name, result) in results {
                #expect(result.errors.isEmpty, "\(name): \(result.errors)")
                #expect(result.hostile == 0 && result.xss == nil, "\(name)")
            }
            let resumed = try #require(results["resumed-run-\(store)"])
            #expect(resumed.steps == (try workspace.ledger().state(of: failedRun)).steps.map(\.name.rawValue))
            #expect(resumed.text.contains("attempt 1 failed"), "\(resumed.text)")
            let publicationPage = try #require(results["publication-run-\(store)"])
            #expect(publicationPage.steps == state.steps.map(\.name.rawValue), "the timeline in the pipeline's order")
            #expect(publicationPage.text.contains("published"))
            let imagePage = try #require(results["image-\(store)"])
            #expect(imagePage.text.contains(image) && imagePage.text.contains("Published"), "\(imagePage.text)")
            #expect(try #require(results["runs-\(store)"]).text.contains(String(failedRun.prefix(8))))
            #expect(try #require(results["health-\(store)"]).text.contains("intact"))
            let environmentPage = try #require(results["environment-\(store)"])
            #expect(
                environmentPage.text.contains((workspace.userImage as NSString).lastPathComponent),
                "\(environmentPage.text)")
            #expect(try #require(results["report-run-\(store)"]).steps == resumed.steps)
            #expect(try #require(results["report-image-\(store)"]).text.contains(image))
            #expect(try #require(results["target-\(store)"]).text.contains("casa-system-ubuntu-24.04-1.sif"))
        }
    }

    /// A VirtualBox release waiting for its operator: its page, open in the browser, shows the
    /// confirmation and the next wait that another process records, without a reload.
    @Test func aRunDrivenByAnotherProcessUpdatesItsOpenPage() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            try workspace.makeISO()
            #expect(try workspace.run(workspace.vboxBaseArguments).status == 2)
            let runID = try #require(try workspace.runIDs().first)
            #expect(try workspace.waitingStep(runID) == .installUbuntu)
            let served = try ServedDashboard(workspace)
            let binary = Workspace.binary
            let results = try Self.browse(
                [
                    [
                        "name": "live-run-\(Self.store)", "url": served.url + "runs/\(runID)",
                        "then": [
                            "argv": [
                                "/bin/sh", "-c",
                                "'\(binary)' confirm \(runID) install-ubuntu --note 'done in the browser test' && '\(binary)' resume \(runID); true",
                            ],
                            "env": workspace.commandEnvironment(),
                        ],
                        // The last state the other process records: the page may show the
                        // confirmation one update before it shows the next wait.
                        "wait": ["selector": "div.waiting", "text": "at update-system", "seconds": 60],
                    ]
                ], in: workspace)
            let live = try #require(results["live-run-\(Self.store)"])
            #expect(live.waited == true, "the open page showed the next wait: \(live.text)")
            #expect(live.text.contains("done in the browser test"), "and the confirmation: \(live.text)")
            #expect(live.errors.isEmpty, "\(live.errors)")
            #expect(live.text.contains("Waiting for an operator at update-system"), "\(live.text)")
        }
    }

    /// What serve and report refuse, before serving or writing anything.
    @Test func badArgumentsAreRefused() async throws {
        try await onItsOwnThread {
            let workspace = try Workspace()
            try expectRefusal(
                workspace, ["serve", "--listen", "example.org:80"], status: 64, message: "give HOST:PORT")
            try expectRefusal(
                workspace, ["serve", "--mirror", workspace.root + "/no-such-mirror"], status: 64,
                message: "no such directory")
            #expect(try workspace.run(workspace.createArguments).status == 0)
            // A port another server holds: 69, said in one line.
            let first = try ServedDashboard(workspace)
            try expectRefusal(
                workspace, ["serve", "--listen", "127.0.0.1:\(first.port)"], status: 69, message: "cannot serve on")
            try expectRefusal(
                workspace, ["report", "no-such-thing", "--html", workspace.root + "/r"], status: 64,
                message: "names no run and no image")
            #expect(!FileManager.default.fileExists(atPath: workspace.root + "/r"))
            let blocker = workspace.root + "/file"
            try Data().write(to: URL(fileURLWithPath: blocker))
            let runID = try #require(try workspace.runIDs().first)
            try expectRefusal(
                workspace, ["report", runID, "--html", blocker + "/r"], status: 73, message: "cannot write the report")
        }
    }

    /// Values chosen to break a page (a file name and an image_id that are markup): each
    /// stays text on the image's page and the runs page; nothing of them runs or renders.
    @Test func hostileNamesStayText() async throws {
        try await onItsOwnThread(.early) {
            let workspace = try Workspace()
            let directory = workspace.root + "/old"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let file = directory + "/casa-run-5.3<img src=x onerror=\"window.__xss=1\">.sif"
            let bytes = Data("hostile".utf8)
            try bytes.write(to: URL(fileURLWithPath: file))
            // casa-distro's image_ids are UUIDs, but a hand-written sidecar may hold anything.
            let imageID = "<script>window.__xss=2</script>"
            let sidecar: [String: Any] = [
                "name": "casa-run-5.3", "type": "run", "image_id": imageID,
                "md5": try workspace.shell("md5sum '\(file)' | cut -c1-32").trimmingCharacters(
                    in: .whitespacesAndNewlines),
                "size": bytes.count,
            ]
            try JSONSerialization.data(withJSONObject: sidecar).write(to: URL(fileURLWithPath: file + ".json"))
            let imported = try workspace.run(["import", directory])
            #expect(imported.status == 0, "\(imported.stderr)")
            let served = try ServedDashboard(workspace)
            let results = try Self.browse(
                [
                    [
                        "name": "hostile-image-\(Self.store)",
                        "url": served.url + "images/"
                            + (FilePath.lastComponent(file).addingPercentEncoding(withAllowedCharacters: .alphanumerics)
                                ?? "")
                            ,
                    ],
                    ["name": "hostile-runs-\(Self.store)", "url": served.url + "runs"],
                ], in: workspace)
            let page = try #require(results["hostile-image-\(Self.store)"])
            #expect(page.errors.isEmpty, "\(page.errors)")
            #expect(page.hostile == 0 && page.xss == nil)
            #expect(page.text.contains("<script>window.__xss=2</script>"), "the name shows as text: \(page.text)")
            #expect(page.text.contains("<img src=x onerror=\"window.__xss=1\">"), "\(page.text)")
            #expect(try #require(results["hostile-runs-\(Self.store)"]).hostile == 0)
        }
    }
}
