import Foundation
import ReleaseStateMachine

/// Finds the base image of a system image and what its sidecar or name says about it.
public enum BaseResolver {
    /// The base image path: `explicitBase` when given (a path, or a glob when no file has that
    /// name), else the single match of `pattern` in `baseDirectory`.
    ///
    /// casa-distro's own images (`casa-*`) and hidden files are not candidates: otherwise the system
    /// image made from `ubuntu-24.04.sif`, `casa-system-ubuntu-24.04.sif`, would match
    /// `*ubuntu-*.sif` and make the next search ambiguous.
    public static func locate(baseDirectory: String, explicitBase: String?, pattern: String) throws -> String {
        if let explicitBase {
            if LocalFiles.exists(explicitBase) { return try readable(explicitBase) }
            let matches = glob(explicitBase)
            switch matches.count {
            case 0: throw ExecutorError(.badInput, "base image not found: \(explicitBase)")
            case 1: return try readable(matches[0])
            default:
                throw ExecutorError(
                    .badInput,
                    "several base images match \(explicitBase): \(matches.joined(separator: ", ")); name one with base=PATH"
                )
            }
        }
        let fullPattern = (baseDirectory as NSString).appendingPathComponent(pattern)
        let matches = glob(fullPattern).filter {
            let name = ($0 as NSString).lastPathComponent
            return !name.hasPrefix("casa-") && !name.hasPrefix(".")
        }
        switch matches.count {
        case 0: throw ExecutorError(.badInput, "no base image matches \(fullPattern); name one with base=PATH")
        case 1: return try readable(matches[0])
        default:
            throw ExecutorError(
                .badInput,
                "several base images match \(fullPattern): \(matches.joined(separator: ", ")); name one with base=PATH")
        }
    }

    /// Locates the base and reads what the recipe needs of it: system, origin, size, image_id.
    public static func resolve(_ intent: ResolveBaseIntent) throws -> ResolvedBase {
        let base = try locate(
            baseDirectory: intent.baseDirectory, explicitBase: intent.explicitBase, pattern: intent.pattern)
        guard let status = LocalFiles.status(base), status.isRegular else {
            throw ExecutorError(.badInput, "the base image \(base) is not a regular file")
        }
        var sidecar: ImageSidecar?
        let sidecarPath = base + ".json"
        if LocalFiles.exists(sidecarPath) {
            sidecar = try SidecarFile.read(sidecarPath)
        }
        let fileName = (base as NSString).lastPathComponent
        guard let system = sidecar?["system"]?.stringValue ?? SystemName.derive(fromBaseFileName: fileName) else {
            throw ExecutorError(
                .badInput,
                "cannot tell the system of the base \(base): name it like ubuntu-24.04.sif, or give it a sidecar \(sidecarPath) with a \"system\" key"
            )
        }
        let sidecarOrigin = sidecar?["origin"].flatMap { $0.isTruthy ? $0.stringValue : nil }
        return ResolvedBase(
            base: base, system: system, origin: sidecarOrigin ?? fileName, size: status.size, modified: status.modified,
            baseImageID: sidecar?.imageID, sidecarOrigin: sidecarOrigin)
    }

    private static func readable(_ path: String) throws -> String {
        close(try RegularFile.open(path, what: "the base image"))
        return path
    }

    /// The paths matching a shell pattern, sorted.
    public static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }
}

/// Reading sidecar files, with errors that name the file and the line.
public enum SidecarFile {
    /// Reads a JSON object file: an image sidecar, or (`what`) an environment configuration.
    public static func read(_ path: String, what: String = "sidecar") throws -> ImageSidecar {
        let data = try RegularFile.read(path, what: "the \(what)")
        guard let text = String(data: data, encoding: .utf8) else {
            throw ExecutorError(.badInput, "the \(what) \(path) is not UTF-8 text")
        }
        do {
            return try ImageSidecar.parse(text)
        } catch let error as JSONParseError {
            throw ExecutorError(.badInput, "the \(what) \(path) is not valid JSON: \(ErrorText.line(error))")
        } catch let error as SidecarError {
            throw ExecutorError(.badInput, "the \(what) \(path): \(error)")
        }
    }
}
