import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// One image to build: a definition's image source with its parameters applied.
public struct PlannedDockerImage: Codable, Equatable, Sendable {
    /// The definition it comes from (`casa-test/ubuntu-24.04`).
    public var definition: String
    public var directory: String
    /// `<name>:<tag>` of the tag that is built (the source's last), e.g. `casa-test:5.4-ubuntu-24.04`.
    public var reference: String
    public var name: String
    /// Every tag, the built one last.
    public var tags: [String]
    public var visibility: DockerVisibility
    /// `casa_version` and the source's own parameters, for the `*.template` files.
    public var parameters: [String: String]
    /// The references of the images it is built on (its definition's dependencies'), in build order.
    public var dependencies: [String]

    public init(
        definition: String, directory: String, reference: String, name: String, tags: [String],
        visibility: DockerVisibility, parameters: [String: String], dependencies: [String]
    ) {
        self.definition = definition
        self.directory = directory
        self.reference = reference
        self.name = name
        self.tags = tags
        self.visibility = visibility
        self.parameters = parameters
        self.dependencies = dependencies
    }

    /// The step that builds it: `build-<name>:<tag>`.
    public var stepName: StepName { StepName("build-" + reference) }
}

/// Which images `create-docker image_names=...` builds, and in which order: the definitions whose
/// `<name>:<tag>` matches one of the shell patterns, with every definition they depend on, in a
/// true topological order (dependencies first, ties by reference), which casa-distro's pairwise
/// comparator did not guarantee.
public enum DockerImagePlanner {
    /// The plan, or the first mistake: a dependency that names no definition, a cycle, a pattern
    /// that matches nothing, two sources of one reference.
    public static func plan(
        _ definitions: [DockerImageDefinition], patterns: [String], casaVersion: String?
    ) throws -> [PlannedDockerImage] {
        let byKey = Dictionary(definitions.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        // What each definition needs: the definitions at or below each of its dependency paths.
        var needs: [String: [String]] = [:]
        for definition in definitions {
            var needed: [String] = []
            for dependency in definition.dependencies {
                let below = definitions.map(\.key).filter { $0 == dependency || $0.hasPrefix(dependency + "/") }
                    .sorted()
                guard !below.isEmpty else {
                    throw DockerDefinitionError(
                        definition.file, "the dependency '\(dependency)' names no image definition in the search path")
                }
                needed += below.filter { $0 != definition.key }
            }
            needs[definition.key] = needed
        }
        try checkForCycles(needs, byKey)

        // The images, their parameters applied.
        var images: [String: [PlannedDockerImage]] = [:]
        var owner: [String: String] = [:]
        // A definition whose names cannot be expanded (no casa_version given) is an error only
        // if it is chosen: `image_names=casa-run:*` needs no value for another image's template.
        var unexpandable: [String: DockerDefinitionError] = [:]
        for definition in definitions {
            for source in definition.sources {
                var parameters = source.templateParameters
                if parameters["casa_version"] == nil, let casaVersion { parameters["casa_version"] = casaVersion }
                let name: String
                let tags: [String]
                do {
                    name = try PercentTemplate.expand(source.name, parameters, file: definition.file)
                    tags = try source.tags.map { try PercentTemplate.expand($0, parameters, file: definition.file) }
                } catch let error as DockerDefinitionError {
                    unexpandable[definition.key] = unexpandable[definition.key] ?? error
                    continue
                }
                for tag in tags {
                    try DockerReference.check(name: name, tag: tag, file: definition.file)
                }
                let reference = name + ":" + tags.last!
                if let other = owner[reference], other != definition.file {
                    throw DockerDefinitionError(definition.file, "\(reference) is also defined by \(other)")
                }
                owner[reference] = definition.file
                images[definition.key, default: []].append(
                    PlannedDockerImage(
                        definition: definition.key, directory: definition.directory, reference: reference, name: name,
                        tags: tags,
                        visibility: source.visibility, parameters: parameters, dependencies: []))
            }
            if unexpandable[definition.key] != nil { images[definition.key] = nil }
        }

        // The definitions chosen by the patterns, and what they need, transitively.
        let matching = definitions.filter { definition in
            (images[definition.key] ?? []).contains { image in
                image.tags.contains { tag in patterns.contains { pattern in matches(pattern, image.name + ":" + tag) } }
            }
        }
        for pattern in patterns
        where !definitions.contains(where: { definition in
            (images[definition.key] ?? []).contains { image in
                image.tags.contains { matches(pattern, image.name + ":" + $0) }
            }
        }) {
            if let first = unexpandable.keys.sorted().first, let error = unexpandable[first] { throw error }
            let known = images.values.flatMap { $0.map(\.reference) }.sorted()
            throw DockerDefinitionError(
                "image_names=\(pattern)",
                "no image definition matches (known: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        var chosen = Set<String>()
        var pending = matching.map(\.key)
        while let key = pending.popLast() {
            guard chosen.insert(key).inserted else { continue }
            if let error = unexpandable[key] { throw error }
            pending += needs[key] ?? []
        }

        // Kahn's algorithm over the chosen definitions, the smallest ready reference first.
        func firstReference(_ key: String) -> String { (images[key] ?? []).map(\.reference).min() ?? key }
        var waiting = Dictionary(uniqueKeysWithValues: chosen.map { ($0, Set(needs[$0] ?? []).intersection(chosen)) })
        var order: [String] = []
        while !waiting.isEmpty {
            let ready = waiting.filter { $0.value.isEmpty }.keys.sorted { firstReference($0) < firstReference($1) }
            guard let next = ready.first else { break }  // cannot happen: cycles were refused above
            order.append(next)
            waiting[next] = nil
            for key in waiting.keys { waiting[key]?.remove(next) }
        }

        var planned: [PlannedDockerImage] = []
        var built: [String: [String]] = [:]
        for key in order {
            let dependencies = (needs[key] ?? []).flatMap { built[$0] ?? [] }
            for var image in (images[key] ?? []).sorted(by: { $0.reference < $1.reference }) {
                image.dependencies = dependencies
                planned.append(image)
            }
            built[key] = (images[key] ?? []).map(\.reference).sorted()
        }
        return planned
    }

    /// A cycle among the definitions, told with its path (`a -> b -> a`).
    private static func checkForCycles(_ needs: [String: [String]], _ byKey: [String: DockerImageDefinition]) throws {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        func visit(_ key: String, _ path: [String]) throws {
            if marks[key] == .done { return }
            if marks[key] == .visiting {
                let cycle = path.drop(while: { $0 != key }) + [key]
                throw DockerDefinitionError(
                    byKey[key]?.file ?? key, "the dependencies form a cycle: \(cycle.joined(separator: " -> "))")
            }
            marks[key] = .visiting
            for next in needs[key] ?? [] { try visit(next, path + [key]) }
            marks[key] = .done
        }
        for key in needs.keys.sorted() { try visit(key, []) }
    }

    /// A shell pattern (`*`, `?`, `[...]`) against `<name>:<tag>`; `cati/<name>:<tag>` is accepted too.
    public static func matches(_ pattern: String, _ reference: String) -> Bool {
        fnmatch(pattern, reference, 0) == 0 || fnmatch(pattern, DockerReference.namespace + reference, 0) == 0
    }
}
