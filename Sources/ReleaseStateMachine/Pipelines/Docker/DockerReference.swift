import Foundation

/// The OCI distribution specification's rules for repository names and tags, checked before any
/// build, so that a name a registry would refuse is told at once and by its definition file.
public enum DockerReference {
    /// The namespace casa-distro pushed its images under: `cati/<name>:<tag>`.
    public static let namespace = "cati/"

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`
    public static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255 else { return false }
        return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(isValidComponent)
    }

    /// `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`
    public static func isValidTag(_ tag: String) -> Bool {
        guard let first = tag.utf8.first, tag.utf8.count <= 128 else { return false }
        func word(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F
        }
        return word(first) && tag.utf8.allSatisfy { word($0) || $0 == 0x2E || $0 == 0x2D }
    }

    static func check(name: String, tag: String, file: String) throws {
        guard isValidName(namespace + name) else {
            throw DockerDefinitionError(
                file,
                "\(ErrorText.shown(name)) is not a repository name a registry accepts (lower-case letters, digits, and . _ __ - between them)"
            )
        }
        guard isValidTag(tag) else {
            throw DockerDefinitionError(
                file,
                "\(ErrorText.shown(tag)) is not a tag a registry accepts (letters, digits, _ . -, at most 128, not starting with . or -)"
            )
        }
    }

    private static func isValidComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        func alphanumeric(_ byte: UInt8) -> Bool { (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) }
        guard let first = bytes.first, let last = bytes.last, alphanumeric(first), alphanumeric(last) else {
            return false
        }
        var index = 0
        while index < bytes.count {
            if alphanumeric(bytes[index]) { index += 1; continue }
            // A separator: '.', '_', '__' or a run of '-', between alphanumerics.
            var end = index
            if bytes[index] == 0x2E {
                end += 1
            } else if bytes[index] == 0x5F {
                end += (index + 1 < bytes.count && bytes[index + 1] == 0x5F) ? 2 : 1
            } else if bytes[index] == 0x2D {
                while end < bytes.count && bytes[end] == 0x2D { end += 1 }
            } else {
                return false
            }
            guard end < bytes.count, alphanumeric(bytes[end]) else { return false }
            index = end
        }
        return true
    }
}
