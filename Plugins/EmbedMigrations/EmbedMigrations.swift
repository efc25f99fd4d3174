import Foundation
import PackagePlugin

/// Embeds the SQL files of `Migrations/` into the target as Swift string literals.
///
/// Why: the ledger must be creatable and upgradable by a `casa-release` binary copied alone
/// onto another machine, so the schema cannot live in a resource bundle beside the binary.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let directory = context.package.directoryURL.appending(path: "Migrations")
        // SQLite's in Migrations/, PostgreSQL's in Migrations/postgres/.
        func sqlFiles(_ directory: URL) throws -> [URL] {
            try FileManager.default
                .contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "sql" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        }
        let files = try sqlFiles(directory)
        let postgres = try sqlFiles(directory.appending(path: "postgres"))
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) + \(postgres.count) ledger migrations",
                executable: try context.tool(named: "MigrationEmbedder").url,
                arguments: [output.path] + files.map(\.path) + ["--postgres"] + postgres.map(\.path),
                inputFiles: files + postgres,
                outputFiles: [output]
            )
        ]
    }
}
