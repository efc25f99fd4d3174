import Foundation

/// `download-image`: where images are listed, which one, and where it goes.
public struct DownloadParameters: Codable, Equatable, Sendable {
    /// The directory URL images are listed in (`https://brainvisa.info/download`).
    public var url: String
    /// The image's file name; nil to take the highest numbered build of `type` and `imageVersion`.
    public var filename: String?
    public var type: String?
    public var imageVersion: String?
    /// `sif` or `ova`, from container_type.
    public var fileExtension: String
    /// Where the image goes; nil for `<baseDirectory>/<filename>`.
    public var output: String?
    public var baseDirectory: String
    /// Replace an existing output.
    public var force: Bool
    /// `root=`: the mirror's TUF root to trust (a path), when the user has it from elsewhere.
    public var root: String?

    public init(
        url: String, filename: String?, type: String?, imageVersion: String?, fileExtension: String,
        output: String?, baseDirectory: String, force: Bool, root: String? = nil
    ) {
        self.root = root
        self.url = url
        self.filename = filename
        self.type = type
        self.imageVersion = imageVersion
        self.fileExtension = fileExtension
        self.output = output
        self.baseDirectory = baseDirectory
        self.force = force
    }

    /// The output path once the file name is known.
    public func outputPath(for filename: String) -> String {
        output ?? (baseDirectory.hasSuffix("/") ? baseDirectory : baseDirectory + "/") + filename
    }
}

/// Picks the image to download from a server's listing: among `casa-<type>-<version>-<N>.<ext>`,
/// the highest N of the requested version, or of the highest version when none is requested.
public enum DownloadChoice {
    public struct Candidate: Equatable, Sendable {
        public var filename: String
        public var version: String
        public var buildNumber: Int
    }

    public static func candidates(_ names: [String], type: String, fileExtension: String) -> [Candidate] {
        let prefix = "casa-\(type)-"
        let suffix = ".\(fileExtension)"
        return names.compactMap { name in
            guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else {
                return nil
            }
            let middle = name.dropFirst(prefix.count).dropLast(suffix.count)
            guard let dash = middle.lastIndex(of: "-") else { return nil }
            let version = middle[..<dash]
            let digits = middle[middle.index(after: dash)...]
            guard isVersion(version), isBuildNumber(digits), let number = Int(digits) else { return nil }
            return Candidate(filename: name, version: String(version), buildNumber: number)
        }
    }

    /// A version as casa-distro names them (`5.4`, `ubuntu-24.04`, `5.3-rc1`): ASCII letters,
    /// digits, `.`, `_`, `+` and single inner dashes. A listed name that does not parse this
    /// cleanly (`casa-run--1.sif`, `casa-run-5.4--1.sif`, a newline or a slash in it) is no
    /// candidate: it was not published by casa-distro nor casa-release.
    static func isVersion(_ text: Substring) -> Bool {
        guard let first = text.first, let last = text.last, first.isASCII, first.isLetter || first.isNumber,
            last.isASCII, last.isLetter || last.isNumber, !text.contains("--")
        else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._+-".contains($0)) }
    }

    /// N as publications write it: ASCII digits, no leading zero.
    static func isBuildNumber(_ text: Substring) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && $0.isNumber } && (text == "0" || text.first != "0")
    }

    public static func highest(_ names: [String], type: String, version: String?, fileExtension: String) -> Candidate? {
        candidates(names, type: type, fileExtension: fileExtension)
            .filter { version == nil || $0.version == version }
            .max { ($0.version, $0.buildNumber) <<< ($1.version, $1.buildNumber) }
    }
}

infix operator <<< : ComparisonPrecedence

/// Orders (version, N): versions by their numeric parts ("5.10" after "5.9"), then N.
private func <<< (lhs: (String, Int), rhs: (String, Int)) -> Bool {
    let left = VersionOrder.parts(lhs.0)
    let right = VersionOrder.parts(rhs.0)
    if left != right { return VersionOrder.less(left, right) }
    return lhs.1 < rhs.1
}

enum VersionOrder {
    static func parts(_ version: String) -> [String] {
        version.split(whereSeparator: { $0 == "." || $0 == "-" }).map(String.init)
    }

    static func less(_ left: [String], _ right: [String]) -> Bool {
        for (a, b) in zip(left, right) where a != b {
            if let x = Int(a), let y = Int(b) { return x < y }
            return a < b
        }
        return left.count < right.count
    }
}
