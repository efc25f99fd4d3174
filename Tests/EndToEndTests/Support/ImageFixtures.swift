import Foundation
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// What the Apptainer tests build on: recipes, casa-distro's sources, base images made by
/// casa-release itself, dev environments, and the stand-ins' log.
extension Workspace {
    /// The example recipes shipped in the repository (casa-run 5.4).
    static var exampleRecipes: String { package + "/Examples/image-recipes" }

    var recipes: String { root + "/recipes" }
    var casaDistro: String { root + "/casa-distro" }
    var runImage: String { base + "/casa-run-5.4.sif" }
    var devImage: String { base + "/casa-dev-5.4.sif" }
    var userImage: String { base + "/brainvisa-5.4.0.sif" }

    /// Recipes for run (the repository's example, copied) and dev (small, with install_casa_distro),
    /// and a casa-distro checkout to copy into images.
    func makeRecipes() throws {
        try FileManager.default.createDirectory(atPath: recipes, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.exampleRecipes + "/casa-run", toPath: recipes + "/casa-run")
        try write(recipes + "/casa-dev/5.4/recipe.yaml", ReleaseAreaFixtures.devRecipe)
        try ReleaseAreaFixtures.writeCasaDistro(at: casaDistro)
    }

    /// System, run and dev images, made by casa-release from the recipes.
    func makeBaseImages() throws {
        try makeRecipes()
        for arguments in [
            createArguments,
            ["create-base-image", "type=run", "image_version=5.4", "recipes=\(recipes)"],
            ["create-base-image", "type=dev", "image_version=5.4", "recipes=\(recipes)", "casa_distro=\(casaDistro)"],
        ] {
            let result = try run(arguments)
            guard result.status == 0 else { throw FixtureError("\(arguments): \(result.stderr)") }
        }
    }

    /// A dev environment `<base>/<name>` on the dev image, with a build directory and a git checkout.
    @discardableResult
    func makeDevEnvironment(
        _ name: String = "brainvisa-master-5.4", branch: String = "master", distro: String = "brainvisa",
        originRun: String? = nil
    ) throws -> String {
        let directory = base + "/" + name
        try ReleaseAreaFixtures.writeDevEnvironment(
            at: directory, name: name, devImageID: try sidecar(devImage + ".json").imageID ?? "", branch: branch,
            distro: distro, originRun: originRun)
        return directory
    }

    var userImageArguments: [String] {
        ["create_user_image", "version=5.4.0", "casa_distro=\(casaDistro)", "upload=no"]
    }

    /// The stand-ins' calls, in order: `tool` and `argv` (without the tool).
    func standInCalls(_ tool: String? = nil) throws -> [(tool: String, argv: [String])] {
        guard FileManager.default.fileExists(atPath: standInLog) else { return [] }
        return try String(decoding: try bytes(standInLog), as: UTF8.self).split(separator: "\n").compactMap { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let call = (tool: object["tool"] as! String, argv: object["argv"] as! [String])
            return tool == nil || tool == call.tool ? call : nil
        }
    }

    func builds() throws -> [[String]] {
        try standInCalls().filter { $0.argv.first == "build" }.map(\.argv)
    }

    func write(_ path: String, _ text: String) throws {
        try ReleaseAreaFixtures.write(path, text)
    }

    @discardableResult
    func shell(_ command: String) throws -> String {
        try Shell.script(command)
    }

    /// The state of the most recent run.
    func lastRun() throws -> RunState {
        let ledger = try self.ledger()
        return try ledger.state(of: try ledger.runs(limit: 1)[0].runID)
    }

    /// Runs of this ledger, counted.
    func runCount() throws -> Int { try runIDs().count }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
