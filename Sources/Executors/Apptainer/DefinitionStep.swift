import Foundation
import ReleaseStateMachine

/// Writes a rendered definition file where the run keeps its logs.
public enum DefinitionStep {
    public static func render(_ intent: RenderDefinitionIntent) throws -> RenderedDefinition {
        try LocalFiles.createDirectories(FilePath.directory(intent.path))
        try LocalFiles.writeAtomically(Data(intent.text.utf8), to: intent.path)
        return try describe(intent.path)
    }

    /// Written when the file holds exactly the rendered text.
    public static func reconcile(_ intent: RenderDefinitionIntent) throws -> RenderedDefinition? {
        guard let data = FileManager.default.contents(atPath: intent.path), data == Data(intent.text.utf8) else {
            return nil
        }
        return try describe(intent.path)
    }

    private static func describe(_ path: String) throws -> RenderedDefinition {
        let digests = try FileDigests.compute(path: path)
        return RenderedDefinition(path: path, sha256: digests.sha256, size: digests.size)
    }
}
