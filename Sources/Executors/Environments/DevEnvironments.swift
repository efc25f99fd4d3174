import Foundation
import ReleaseStateMachine

/// Finds the environments a user image can be made from (docs/casa-distro.md §1.3 and §4): dev environments
/// `<base dir>/<name>/conf/casa_distro.json`, or, for pixi images, the casa-pixi images' sidecars.
public enum DevEnvironments {
    /// An environment found in the base directory, with the keys selection filters on.
    public struct Candidate: Equatable, Sendable {
        /// The environment directory (dev) or the image sidecar (pixi): what the run records.
        public var location: String
        public var config: ImageSidecar
        public var name: String

        public func value(_ key: String) -> String? { key == "name" ? name : config[key]?.stringValue }

        public var summary: String {
            let keys = ["distro", "branch", "system", "image_version"].compactMap { key in
                value(key).map { "\(key)=\($0)" }
            }
            return "\(name) (\(keys.joined(separator: ", ")))"
        }
    }

    /// Shell patterns on `distro`, `branch`, `system`, `image_version` and the environment's name.
    public struct Filter: Equatable, Sendable {
        public var distro: String?
        public var branch: String?
        public var system: String?
        public var imageVersion: String?
        public var name: String?
        /// Pixi "environments" (image sidecars) have no branch: the master-only rule is for dev environments.
        public var onlyMasterByDefault: Bool

        public init(
            distro: String?, branch: String?, system: String?, imageVersion: String?, name: String?,
            onlyMasterByDefault: Bool = true
        ) {
            self.onlyMasterByDefault = onlyMasterByDefault
            self.distro = distro
            self.branch = branch
            self.system = system
            self.imageVersion = imageVersion
            self.name = name
        }

        /// casa-distro documents that only master-branch environments are considered when no
        /// name and no branch are given (and never implemented it); casa-release does it.
        public var effective: [(key: String, pattern: String)] {
            var result: [(String, String)] = []
            if let distro { result.append(("distro", distro)) }
            if let branch {
                result.append(("branch", branch))
            } else if name == nil, onlyMasterByDefault {
                result.append(("branch", "master"))
            }
            if let system { result.append(("system", system)) }
            if let imageVersion { result.append(("image_version", imageVersion)) }
            if let name { result.append(("name", name)) }
            return result
        }

        public var description: String {
            effective.map { "\($0.key)=\($0.pattern)" }.joined(separator: " ")
        }

        public func matches(_ candidate: Candidate) -> Bool {
            effective.allSatisfy { filter in
                guard let value = candidate.value(filter.key) else { return false }
                return fnmatch(filter.pattern, value, 0) == 0
            }
        }
    }

    /// The dev environments of a base directory, sorted by name; a configuration that cannot be
    /// read is an error naming its file.
    public static func scanDev(_ baseDirectory: String) throws -> [Candidate] {
        var seen = Set<String>()
        var result: [Candidate] = []
        for configPath in BaseResolver.glob(baseDirectory + "/*/conf/casa_distro.json") {
            let directory = FilePath.directory(FilePath.directory(configPath))
            // A symbolic link to an environment is the same environment.
            guard seen.insert(realPath(directory)).inserted else { continue }
            let config = try SidecarFile.read(configPath, what: "environment configuration")
            if let type = config["type"]?.stringValue, type != "dev" { continue }
            result.append(
                Candidate(
                    location: directory, config: config,
                    name: config["name"]?.stringValue ?? FilePath.lastComponent(directory)))
        }
        return result.sorted { $0.name < $1.name }
    }

    /// The casa-pixi images of a base directory, by their sidecars.
    public static func scanPixi(_ baseDirectory: String) throws -> [Candidate] {
        var result: [Candidate] = []
        for sidecarPath in BaseResolver.glob(baseDirectory + "/*.json") {
            guard LocalFiles.status(sidecarPath)?.isSymlink == false,
                let sidecar = try? SidecarFile.read(sidecarPath), sidecar["type"]?.stringValue == "pixi"
            else { continue }
            result.append(
                Candidate(
                    location: sidecarPath, config: sidecar,
                    name: sidecar.name ?? FilePath.lastComponent(sidecarPath)))
        }
        return result
    }

    /// The one candidate the filter selects; none or several is exit 65, listing what was found.
    public static func select(
        _ candidates: [Candidate], _ filter: Filter, kind: EnvironmentKind, baseDirectory: String
    ) throws -> Candidate {
        let matching = candidates.filter(filter.matches)
        let what = kind == .dev ? "dev environment" : "casa-pixi image"
        let found = candidates.isEmpty ? "none at all" : candidates.map(\.summary).joined(separator: "; ")
        switch matching.count {
        case 1:
            return matching[0]
        case 0:
            let hint =
                filter.branch == nil && filter.name == nil && filter.onlyMasterByDefault
                ? " (only branch master is considered unless branch= or environment_name= is given)" : ""
            throw ExecutorError(
                .badInput,
                "no \(what) in \(baseDirectory) matches \(filter.description)\(hint); found: \(found); select one with environment_name=, branch=, distro=, system= or image_version="
            )
        default:
            throw ExecutorError(
                .badInput,
                "several \(what)s match \(filter.description): \(matching.map(\.summary).joined(separator: "; ")); narrow the choice with environment_name=NAME (or branch=, distro=, system=, image_version=)"
            )
        }
    }

    static func realPath(_ path: String) -> String {
        guard let pointer = realpath(path, nil) else { return path }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
