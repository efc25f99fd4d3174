import Foundation

/// The `<image>.json` sidecar that casa-distro clients read: an ordered JSON object.
///
/// Keys keep their order (casa-distro writes them in insertion order), and the text is rendered
/// the way casa-distro renders it, so that files made by either tool look alike.
public struct ImageSidecar: Equatable, Sendable {
    /// The sidecar's keys and values, in file order.
    public var members: [JSONMember]

    public init(members: [JSONMember]) {
        self.members = members
    }

    /// Reads a sidecar's text. It must be one JSON object, and the keys casa-release acts on
    /// must hold what they mean: `size` and `build_number` a non-negative integer a file can
    /// have (not `1e300`, not `-1`, not `"12"`), `md5`, `image_id` and `name` strings.
    public static func parse(_ text: String) throws -> ImageSidecar {
        let value = try JSONParser.parse(text)
        guard case .object(let members) = value else {
            throw JSONParseError(message: "a sidecar must be a JSON object", line: 1, column: 1)
        }
        let sidecar = ImageSidecar(members: members)
        try sidecar.checkKeys()
        return sidecar
    }

    /// The largest size taken as plausible: 2^53 bytes (8 PiB), the largest integer every JSON
    /// reader (Python's included) keeps exactly.
    public static let largestSize: Int64 = 1 << 53

    private func checkKeys() throws {
        for key in ["size", "build_number"] {
            guard let value = self[key] else { continue }
            guard case .integer(let number) = value, number >= 0, number <= Self.largestSize else {
                throw SidecarError(key: key, value: SidecarRendering.render(value), expected: "a non-negative integer")
            }
        }
        for key in ["md5", "image_id", "name"] {
            guard let value = self[key] else { continue }
            guard case .string = value else {
                throw SidecarError(key: key, value: SidecarRendering.render(value), expected: "a string")
            }
        }
    }

    public subscript(key: String) -> JSONValue? {
        members.first { $0.key == key }?.value
    }

    /// A copy with `key` set to `value`: in place when the key exists, appended otherwise.
    public func setting(_ key: String, _ value: JSONValue) -> ImageSidecar {
        var copy = self
        if let position = copy.members.firstIndex(where: { $0.key == key }) {
            copy.members[position].value = value
        } else {
            copy.members.append(JSONMember(key, value))
        }
        return copy
    }

    /// The file's text, as casa-distro writes it (four-space indent, no final newline).
    public var rendered: String { SidecarRendering.render(.object(members)) }

    public var name: String? { self["name"]?.stringValue }
    public var imageID: String? { self["image_id"]?.stringValue }
    public var md5: String? { self["md5"]?.stringValue }
    public var size: Int64? { self["size"]?.integerValue }
    public var buildNumber: Int64? { self["build_number"]?.integerValue }
}

extension ImageSidecar: Codable {
    // Stored in the ledger as a list of [key, value] pairs, because the ledger's canonical JSON
    // sorts object keys and the sidecar's order must survive a round trip.
    public init(from decoder: Decoder) throws {
        var container = try decoder.unkeyedContainer()
        var members: [JSONMember] = []
        while !container.isAtEnd {
            var pair = try container.nestedUnkeyedContainer()
            let key = try pair.decode(String.self)
            members.append(JSONMember(key, try pair.decode(JSONValue.self)))
        }
        self.members = members
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.unkeyedContainer()
        for member in members {
            var pair = container.nestedUnkeyedContainer()
            try pair.encode(member.key)
            try pair.encode(member.value)
        }
    }
}

extension ImageSidecar {
    /// The sidecar of a system base image before its bytes are described: casa-distro's keys and
    /// order (docs/casa-distro.md §2), with `size`, `md5` and `image_id` added by `described`.
    public static func systemBase(
        name: String, system: String, containerType: String, creationTime: String,
        imageVersion: String, origin: String
    ) -> ImageSidecar {
        ImageSidecar(members: [
            JSONMember("name", .string(name)),
            JSONMember("type", .string("system")),
            JSONMember("system", .string(system)),
            JSONMember("container_type", .string(containerType)),
            JSONMember("creation_time", .string(creationTime)),
            JSONMember("image_version", .string(imageVersion)),
            JSONMember("origin", .string(origin)),
            JSONMember("compatibility", .array([])),
        ])
    }

    /// The complete sidecar: the image's size, md5 and image_id appended, in casa-distro's order.
    public func described(size: Int64, md5: String, imageID: String) -> ImageSidecar {
        setting("size", .integer(size)).setting("md5", .string(md5)).setting("image_id", .string(imageID))
    }
}

/// A sidecar key whose value cannot be what the key means.
public struct SidecarError: Error, Equatable, CustomStringConvertible {
    public var key: String
    public var value: String
    public var expected: String

    public var description: String { "\"\(key)\" must be \(expected), not \(value)" }
}
