import Foundation
import Hashing
import ReleaseStateMachine

/// An image's build context, made from its definition directory: every file copied but the
/// yaml, each `*.template` rendered with the image's parameters and stripped of the suffix
/// (casa-distro's rule), and a digest over the result.
enum DockerContext {
    static func render(
        _ image: PlannedDockerImage, into directory: String, definitionFile: String
    ) throws -> RenderedDockerContext {
        // A context half-written by a killed attempt is made again from nothing.
        try LocalFiles.removeTree(directory)
        try LocalFiles.createDirectories(directory)
        try copy(from: image.directory, to: directory, parameters: image.parameters, definitionFile: definitionFile)
        guard let dockerfile = FileManager.default.contents(atPath: directory + "/Dockerfile") else {
            throw ExecutorError(
                .badInput, "\(definitionFile): there is no Dockerfile (nor Dockerfile.template) beside it")
        }
        return RenderedDockerContext(
            reference: image.reference, directory: directory, contextSHA256: try digest(of: directory),
            dockerfileSHA256: Hex.encode(SHA256.hash(data: dockerfile)),
            baseImages: baseImages(in: String(decoding: dockerfile, as: UTF8.self)))
    }

    private static func copy(
        from source: String, to destination: String, parameters: [String: String], definitionFile: String
    ) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: source).sorted()
        for name in names
        where !(source == FilePath.directory(definitionFile) && name == DockerDefinitionSearch.fileName) {
            let from = source + "/" + name
            var status = stat()
            guard lstat(from, &status) == 0 else { throw ExecutorError.posix(.badInput, "cannot read", from) }
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                try LocalFiles.createDirectories(destination + "/" + name)
                try copy(
                    from: from, to: destination + "/" + name, parameters: parameters, definitionFile: definitionFile)
            case S_IFLNK:
                try FileManager.default.createSymbolicLink(
                    atPath: destination + "/" + name,
                    withDestinationPath: try FileManager.default.destinationOfSymbolicLink(atPath: from))
            case S_IFREG:
                guard let data = FileManager.default.contents(atPath: from) else {
                    throw ExecutorError.posix(.badInput, "cannot read", from)
                }
                var target = destination + "/" + name
                var content = data
                if name.hasSuffix(".template") {
                    target = String(target.dropLast(".template".count))
                    guard let text = String(data: data, encoding: .utf8) else {
                        throw ExecutorError(.badInput, "\(from): a template must be UTF-8 text")
                    }
                    do {
                        content = Data(try PercentTemplate.expand(text, parameters, file: from).utf8)
                    } catch let error as DockerDefinitionError {
                        throw ExecutorError(.badInput, error.description)
                    }
                }
                guard
                    FileManager.default.createFile(
                        atPath: target, contents: content, attributes: [.posixPermissions: Int(status.st_mode & 0o7777)]
                    )
                else {
                    throw ExecutorError.posix(.cannotCreate, "cannot write", target)
                }
            default:
                throw ExecutorError(.badInput, "\(from): only files, directories and links can be in a build context")
            }
        }
    }

    /// SHA-256 over the sorted lines `<path>\t<mode>\t<sha256 of the content, or the link's target>`.
    static func digest(of root: String) throws -> String {
        var lines: [String] = []
        func walk(_ relative: String) throws {
            let directory = relative.isEmpty ? root : root + "/" + relative
            for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() {
                let path = relative.isEmpty ? name : relative + "/" + name
                var status = stat()
                guard lstat(root + "/" + path, &status) == 0 else {
                    throw ExecutorError.posix(.badInput, "cannot read", root + "/" + path)
                }
                let mode = String(status.st_mode & 0o7777, radix: 8)
                switch status.st_mode & S_IFMT {
                case S_IFDIR:
                    lines.append("\(path)/\t\(mode)\t")
                    try walk(path)
                case S_IFLNK:
                    lines.append(
                        "\(path)\tlink\t\(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/" + path))"
                    )
                default:
                    lines.append("\(path)\t\(mode)\t\(try FileDigests.compute(path: root + "/" + path).sha256)")
                }
            }
        }
        try walk("")
        return Hex.encode(SHA256.hash(data: Data(lines.sorted().joined(separator: "\n").utf8)))
    }

    /// The images the Dockerfile's `FROM` lines start from: not `scratch`, not an earlier stage
    /// of the same Dockerfile (`FROM x AS builder` ... `FROM builder`).
    static func baseImages(in dockerfile: String) -> [String] {
        var stages = Set<String>()
        var images: [String] = []
        for line in dockerfile.split(whereSeparator: \.isNewline) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = words.first, first.uppercased() == "FROM" else { continue }
            let arguments = words.dropFirst().filter { !$0.hasPrefix("--") }
            guard let image = arguments.first else { continue }
            let isStage = stages.contains(image.lowercased())
            if arguments.count >= 3, arguments[arguments.startIndex + 1].uppercased() == "AS" {
                stages.insert(arguments[arguments.startIndex + 2].lowercased())
            }
            if image.lowercased() != "scratch", !isStage, !images.contains(image) { images.append(image) }
        }
        return images
    }
}
