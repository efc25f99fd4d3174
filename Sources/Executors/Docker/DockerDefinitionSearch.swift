import Foundation
import ReleaseStateMachine

/// Where image definitions are looked up, in the seed's order, and reading them.
public enum DockerDefinitionSearch {
    /// The name of a definition's description file.
    public static let fileName = "casa_distro_docker.yaml"

    /// The seed's search path: `<base dir>/share/docker`, `$HOME/.config/casa-distro/docker`,
    /// `$HOME/.casa-distro/docker`, then the definitions shipped with casa-release. A definition
    /// (`<name>/<system>`) found in an earlier root hides the one of the same path in a later root,
    /// so a user can replace a shipped definition by copying it.
    public static func roots(baseDirectory: String, home: String?, builtin: String?) -> [String] {
        var roots = [baseDirectory + "/share/docker"]
        if let home { roots += [home + "/.config/casa-distro/docker", home + "/.casa-distro/docker"] }
        if let builtin { roots.append(builtin) }
        return roots
    }

    /// The definitions casa-release ships, found from where the running binary really is (not
    /// from its name on the command line, which is only `casa-release` when found on the PATH):
    /// `<prefix>/share/casa-release/docker` for `<prefix>/bin/casa-release` (`/usr`, `/usr/local`,
    /// a tarball unpacked anywhere), `share/casa-release/docker` beside the binary, or `share/docker`
    /// of the checkout it was built in (`.build/<config>/casa-release`). Nil when none is there:
    /// `builtinCandidates` says where it looked. `CASA_RELEASE_DOCKER_BUILTIN` names another directory.
    public static func builtinRoot(
        executable: String = runningExecutable,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        if let explicit = environment["CASA_RELEASE_DOCKER_BUILTIN"], !explicit.isEmpty { return explicit }
        return builtinCandidates(executable: executable).first(where: LocalFiles.isDirectory)
    }

    /// Where the shipped definitions are looked for, in order, for the binary at `executable`.
    public static func builtinCandidates(executable: String = runningExecutable) -> [String] {
        let binDirectory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates = [
            binDirectory.appendingPathComponent("../share/casa-release/docker").standardized.path,
            binDirectory.appendingPathComponent("share/casa-release/docker").standardized.path,
        ]
        // A checkout: the directory holding Package.swift, a few levels above .build/<config>/.
        var directory = binDirectory
        for _ in 0..<4 {
            directory = directory.deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: directory.path + "/Package.swift") {
                candidates.append(directory.path + "/share/docker")
                break
            }
        }
        return candidates
    }

    /// The running binary's own path (Linux's `/proc/self/exe`), else the command line's first word.
    public static var runningExecutable: String {
        let link = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        return link == "/proc/self/exe" ? CommandLine.arguments[0] : link
    }

    /// Every definition below the roots, the first root's winning, sorted by key; an error names
    /// the file of the first wrong definition.
    public static func load(roots: [String]) throws -> [DockerImageDefinition] {
        var found: [String: DockerImageDefinition] = [:]
        for root in roots where LocalFiles.isDirectory(root) {
            for file in try descriptionFiles(below: root) {
                let directory = (file as NSString).deletingLastPathComponent
                let key = String(directory.dropFirst(root.count)).trimmingCharacters(
                    in: CharacterSet(charactersIn: "/"))
                guard found[key] == nil else { continue }
                found[key] = try read(file, key: key, root: root)
            }
        }
        return found.values.sorted { $0.key < $1.key }
    }

    /// One definition: its yaml, its Dockerfile (or its template), its dependencies turned into
    /// paths below the root.
    static func read(_ file: String, key: String, root: String) throws -> DockerImageDefinition {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw DockerDefinitionError(file, "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DockerDefinitionError(file, "is not UTF-8 text")
        }
        let parsed = try DockerDefinitionYAML.parse(text, file: file)
        let directory = (file as NSString).deletingLastPathComponent
        guard
            LocalFiles.status(directory + "/Dockerfile")?.isRegular == true
                || LocalFiles.status(directory + "/Dockerfile.template")?.isRegular == true
        else {
            throw DockerDefinitionError(file, "there is no Dockerfile (nor Dockerfile.template) beside it")
        }
        let dependencies = try parsed.dependencies.map { dependency -> String in
            guard !dependency.hasPrefix("/") else {
                throw DockerDefinitionError(
                    file, "the dependency '\(dependency)' must be relative to the definition's directory")
            }
            var components = key.split(separator: "/").map(String.init)
            for part in dependency.split(separator: "/") where part != "." {
                if part == ".." {
                    guard !components.isEmpty else {
                        throw DockerDefinitionError(
                            file, "the dependency '\(dependency)' goes above the search-path root \(root)")
                    }
                    components.removeLast()
                } else {
                    components.append(String(part))
                }
            }
            guard !components.isEmpty else {
                throw DockerDefinitionError(file, "the dependency '\(dependency)' names the whole search-path root")
            }
            return components.joined(separator: "/")
        }
        return DockerImageDefinition(
            key: key, directory: directory, file: file, dependencies: dependencies, sources: parsed.sources)
    }

    /// The description files below `root`, in a stable order; a directory that holds one is a
    /// definition and is not searched further (its build context may hold anything).
    private static func descriptionFiles(below root: String) throws -> [String] {
        var result: [String] = []
        var pending = [root]
        while let directory = pending.popLast() {
            if LocalFiles.status(directory + "/" + fileName)?.isRegular == true {
                if directory != root { result.append(directory + "/" + fileName) }
                continue
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                let path = directory + "/" + name
                var status = stat()
                if lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { pending.append(path) }
            }
        }
        return result.sorted()
    }
}
