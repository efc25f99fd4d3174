import Foundation
import Hashing
import ReleaseStateMachine

/// An OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/`): the images
/// create-docker built, each tag an `org.opencontainers.image.ref.name` annotation of a manifest
/// in the index.
struct OCILayout {
    static let refName = "org.opencontainers.image.ref.name"
    var directory: String

    /// One manifest of the index.
    struct Entry {
        var digest: String
        var mediaType: String
        var size: Int64
        var refName: String?
    }

    /// The index's manifests; none when there is no layout yet.
    func entries() throws -> [Entry] {
        guard let data = FileManager.default.contents(atPath: directory + "/index.json") else { return [] }
        guard let index = try? JSONParser.parse(String(decoding: data, as: UTF8.self)),
            case .array(let manifests)? = index["manifests"]
        else {
            throw ExecutorError(.badInput, "\(directory)/index.json is not an OCI image index")
        }
        return manifests.compactMap { value in
            guard let digest = value["digest"]?.stringValue else { return nil }
            let manifest = value
            let refName = manifest["annotations"]?[Self.refName]?.stringValue
            return Entry(
                digest: digest,
                mediaType: manifest["mediaType"]?.stringValue ?? "application/vnd.oci.image.manifest.v1+json",
                size: manifest["size"]?.integerValue ?? 0, refName: refName)
        }
    }

    /// The manifest digest `reference` (`cati/<name>:<tag>`) names in the layout.
    func digest(of reference: String) throws -> String? {
        try entries().last { $0.refName == reference }?.digest
    }

    func blobPath(_ digest: String) -> String { directory + "/blobs/sha256/" + DockerDigest.hex(digest) }

    /// A blob is there and its bytes match its digest, read as a stream (layers can be large).
    func checkBlob(_ digest: String) throws {
        let path = blobPath(digest)
        guard LocalFiles.status(path)?.isRegular == true else {
            throw ExecutorError(.badInput, "the OCI layout \(directory) lacks the blob \(digest)")
        }
        guard try FileDigests.compute(path: path).sha256 == DockerDigest.hex(digest) else {
            throw ExecutorError(.badInput, "the blob \(digest) in \(directory) does not match its digest")
        }
    }

    /// A small blob's bytes (a manifest), checked against its digest.
    func blob(_ digest: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: blobPath(digest)) else {
            throw ExecutorError(.badInput, "the OCI layout \(directory) lacks the blob \(digest)")
        }
        guard "sha256:" + Hex.encode(SHA256.hash(data: data)) == digest else {
            throw ExecutorError(.badInput, "the blob \(digest) in \(directory) does not match its digest")
        }
        return data
    }

    /// A manifest's media type, as its `mediaType` says (an OCI manifest when it says nothing).
    static func mediaType(of manifest: Data) throws -> String {
        guard let value = try? JSONParser.parse(String(decoding: manifest, as: UTF8.self)) else {
            throw ExecutorError(.badInput, "a manifest of the OCI layout is not JSON")
        }
        return value["mediaType"]?.stringValue ?? "application/vnd.oci.image.manifest.v1+json"
    }

    /// What a manifest names: its config and layers, with their sizes.
    func contents(of manifestDigest: String) throws -> (config: String, layers: [String], size: Int64) {
        let data = try blob(manifestDigest)
        guard let manifest = try? JSONParser.parse(String(decoding: data, as: UTF8.self)),
            let config = manifest["config"],
            let configDigest = config["digest"]?.stringValue, case .array(let layers)? = manifest["layers"]
        else {
            throw ExecutorError(
                .badInput, "the manifest \(manifestDigest) in \(directory) is not an OCI image manifest")
        }
        var size = Int64(data.count) + (config["size"]?.integerValue ?? 0)
        var digests: [String] = []
        for layer in layers {
            guard let digest = layer["digest"]?.stringValue else { continue }
            digests.append(digest)
            size += layer["size"]?.integerValue ?? 0
        }
        for digest in [configDigest] + digests where !LocalFiles.exists(blobPath(digest)) {
            throw ExecutorError(.badInput, "the OCI layout \(directory) lacks the blob \(digest) of \(manifestDigest)")
        }
        return (configDigest, digests, size)
    }

    /// Points `reference` at `digest` (a manifest already in the layout): the index rewritten
    /// atomically, any other manifest of that name dropped.
    func tag(_ reference: String, _ digest: String) throws {
        let all = try entries()
        guard let manifest = all.first(where: { $0.digest == digest }) else {
            throw ExecutorError(.badInput, "the OCI layout \(directory) has no manifest \(digest) to tag \(reference)")
        }
        if all.contains(where: { $0.refName == reference && $0.digest == digest }) { return }
        var kept = all.filter { $0.refName != reference }
        kept.append(Entry(digest: digest, mediaType: manifest.mediaType, size: manifest.size, refName: reference))
        let manifests: [JSONValue] = kept.map { entry in
            var members = [
                JSONMember("mediaType", .string(entry.mediaType)), JSONMember("digest", .string(entry.digest)),
                JSONMember("size", .integer(entry.size)),
            ]
            if let name = entry.refName {
                members.append(JSONMember("annotations", .object([JSONMember(Self.refName, .string(name))])))
            }
            return .object(members)
        }
        let index = JSONValue.object([
            JSONMember("schemaVersion", .integer(2)), JSONMember("manifests", .array(manifests)),
        ])
        try LocalFiles.writeAtomically(Data(SidecarRendering.render(index).utf8), to: directory + "/index.json")
    }
}

/// Before a publication starts: the layout still holds the recorded build of an image (its
/// manifest and every blob it names), so that no push stops half-way for a missing file.
public enum DockerLayoutCheck {
    public static func check(_ image: BuiltDockerImage, layout directory: String) throws {
        let layout = OCILayout(directory: directory)
        guard LocalFiles.exists(layout.blobPath(image.manifestDigest)) else {
            throw ExecutorError(
                .badInput,
                "the OCI layout \(directory) no longer holds \(image.fullReference) as built (\(image.manifestDigest)): build it again with create-docker"
            )
        }
        _ = try layout.contents(of: image.manifestDigest)
    }
}
