import Foundation
import ReleaseStateMachine

/// What an image's config says a container runs with: `Env`, `Entrypoint`, `Cmd`.
struct DockerImageConfig: Equatable {
    var environment: [String]
    var entrypoint: [String]?
    var cmd: [String]?

    /// The config of the manifest `manifestDigest` in `layout`, checked against its digest.
    static func read(_ layout: OCILayout, manifest manifestDigest: String) throws -> DockerImageConfig {
        let configDigest = try layout.contents(of: manifestDigest).config
        let data = try layout.blob(configDigest)
        guard let config = try? JSONParser.parse(String(decoding: data, as: UTF8.self)) else {
            throw ExecutorError(.badInput, "the config \(configDigest) in \(layout.directory) is not JSON")
        }
        func strings(_ key: String) -> [String]? {
            guard case .array(let values)? = config["config"]?[key] else { return nil }
            return values.compactMap(\.stringValue)
        }
        return DockerImageConfig(
            environment: strings("Env") ?? [], entrypoint: strings("Entrypoint"), cmd: strings("Cmd"))
    }
}
