import Foundation
import Testing
@testable import Executors
import ReleaseStateMachine

/// Image definitions: the seed's search path, casa-distro's YAML read strictly, templates, and a
/// true topological order; every mistake one error naming its file.
@Suite struct DockerDefinitionTests {
    /// The definitions shipped in `share/docker`.
    static var shipped: String { packageRoot + "/share/docker" }

    /// Writes a definition `key` below `root`: its yaml and a Dockerfile.
    static func define(_ root: String, _ key: String, _ yaml: String, dockerfile: String? = "FROM scratch\n") throws {
        let directory = root + "/" + key
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: directory + "/casa_distro_docker.yaml"))
        if let dockerfile { try Data(dockerfile.utf8).write(to: URL(fileURLWithPath: directory + "/Dockerfile")) }
    }

    static func source(_ name: String, _ tag: String, dependencies: [String] = []) -> String {
        (dependencies.isEmpty ? "" : "dependencies:\n" + dependencies.map { "  - \($0)\n" }.joined())
            + "image_sources:\n  - name: \(name)\n    tags: [\"\(tag)\"]\n"
    }

    @Test func theShippedDefinitionPlansWithItsTemplateParameters() throws {
        let definitions = try DockerDefinitionSearch.load(roots: [Self.shipped])
        #expect(definitions.map(\.key) == ["casa-test/scratch"])
        let plan = try DockerImagePlanner.plan(definitions, patterns: ["*"], casaVersion: "5.4")
        #expect(plan.map(\.reference) == ["casa-test:5.4-scratch"])
        #expect(plan.first?.parameters == ["casa_version": "5.4", "system": "scratch"])
        // casa_version is not guessed: a definition that uses it needs it.
        #expect(throws: DockerDefinitionError.self) {
            try DockerImagePlanner.plan(definitions, patterns: ["*"], casaVersion: nil)
        }
    }

    /// The shipped definitions are found from where the binary is, through symlinks: an install
    /// under any prefix, a tarball, a checkout; where nothing is, the places looked are said.
    @Test func theShippedDefinitionsAreFoundBesideTheBinaryWhereverItIsInstalled() throws {
        let scratch = Scratch()
        let prefix = scratch.path + "/opt/casa"
        try FileManager.default.createDirectory(atPath: prefix + "/bin", withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: prefix + "/bin/casa-release"))
        try FileManager.default.createDirectory(atPath: scratch.path + "/links", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: scratch.path + "/links/casa-release", withDestinationPath: prefix + "/bin/casa-release")
        let candidates = DockerDefinitionSearch.builtinCandidates(executable: scratch.path + "/links/casa-release")
        #expect(
            candidates.prefix(2) == [prefix + "/share/casa-release/docker", prefix + "/bin/share/casa-release/docker"])
        #expect(DockerDefinitionSearch.builtinRoot(executable: prefix + "/bin/casa-release", environment: [:]) == nil)
        try FileManager.default.createDirectory(
            atPath: prefix + "/share/casa-release/docker", withIntermediateDirectories: true)
        #expect(
            DockerDefinitionSearch.builtinRoot(executable: scratch.path + "/links/casa-release", environment: [:])
                == prefix + "/share/casa-release/docker")
        #expect(
            DockerDefinitionSearch.builtinRoot(
                executable: scratch.path + "/links/casa-release", environment: ["CASA_RELEASE_DOCKER_BUILTIN": "/x"])
                == "/x")
        // This test's own binary is in the checkout's .build: the checkout's share/docker.
        #expect(DockerDefinitionSearch.builtinRoot(environment: [:]) == Self.shipped)
    }

    @Test func anEarlierRootHidesTheSameDefinitionInALaterOne() throws {
        let scratch = Scratch()
        let base = scratch.path + "/base/share/docker"
        let home = scratch.path + "/home"
        try Self.define(base, "casa-test/scratch", Self.source("casa-test", "mine"))
        let roots = DockerDefinitionSearch.roots(
            baseDirectory: scratch.path + "/base", home: home, builtin: Self.shipped)
        #expect(roots == [base, home + "/.config/casa-distro/docker", home + "/.casa-distro/docker", Self.shipped])
        let definitions = try DockerDefinitionSearch.load(roots: roots)
        #expect(definitions.map(\.directory) == [base + "/casa-test/scratch"])
        #expect(
            try DockerImagePlanner.plan(definitions, patterns: ["*"], casaVersion: "5.4").map(\.reference) == [
                "casa-test:mine"
            ])
    }

    /// A diamond, a chain and a stranger: dependencies always first, ties by reference, the same
    /// order whatever order the files were found in; a pattern brings what its images need.
    @Test func dependenciesComeFirstInADeterministicOrder() throws {
        let scratch = Scratch()
        let root = scratch.path + "/docker"
        try Self.define(root, "casa-system/ubuntu", Self.source("casa-system", "1"))
        try Self.define(root, "casa-run/ubuntu", Self.source("casa-run", "1", dependencies: ["../../casa-system"]))
        try Self.define(root, "casa-dev/ubuntu", Self.source("casa-dev", "1", dependencies: ["../../casa-run/ubuntu"]))
        try Self.define(root, "a-tools/ubuntu", Self.source("a-tools", "1", dependencies: ["../../casa-system"]))
        try Self.define(
            root, "zz-both/ubuntu", Self.source("zz-both", "1", dependencies: ["../../casa-dev", "../../a-tools"]))
        try Self.define(root, "b-alone/ubuntu", Self.source("b-alone", "1"))
        let definitions = try DockerDefinitionSearch.load(roots: [root])
        let all = try DockerImagePlanner.plan(definitions, patterns: ["*"], casaVersion: nil).map(\.reference)
        #expect(all == ["b-alone:1", "casa-system:1", "a-tools:1", "casa-run:1", "casa-dev:1", "zz-both:1"])
        #expect(
            try DockerImagePlanner.plan(definitions.reversed(), patterns: ["*"], casaVersion: nil).map(\.reference)
                == all)
        let dev = try DockerImagePlanner.plan(definitions, patterns: ["casa-dev:*"], casaVersion: nil)
        #expect(dev.map(\.reference) == ["casa-system:1", "casa-run:1", "casa-dev:1"])
        #expect(dev.last?.dependencies == ["casa-run:1"])
        #expect(
            try DockerImagePlanner.plan(definitions, patterns: ["cati/b-*", "a-tools:1"], casaVersion: nil).map(
                \.reference)
                == ["b-alone:1", "casa-system:1", "a-tools:1"])
        #expect(
            throws: DockerDefinitionError(
                "image_names=nothing*",
                "no image definition matches (known: a-tools:1, b-alone:1, casa-dev:1, casa-run:1, casa-system:1, zz-both:1)"
            )
        ) {
            try DockerImagePlanner.plan(definitions, patterns: ["nothing*"], casaVersion: nil)
        }
    }

    @Test func aCycleIsToldWithItsPath() throws {
        let scratch = Scratch()
        let root = scratch.path + "/docker"
        try Self.define(root, "a/x", Self.source("a", "1", dependencies: ["../../b"]))
        try Self.define(root, "b/x", Self.source("b", "1", dependencies: ["../../c/x"]))
        try Self.define(root, "c/x", Self.source("c", "1", dependencies: ["../../a"]))
        let definitions = try DockerDefinitionSearch.load(roots: [root])
        let error = try #require(throws: DockerDefinitionError.self) {
            try DockerImagePlanner.plan(definitions, patterns: ["a:*"], casaVersion: nil)
        }
        #expect(error.file == root + "/a/x/casa_distro_docker.yaml")
        #expect(error.problem == "the dependencies form a cycle: a/x -> b/x -> c/x -> a/x")
    }

    /// Each mistake: the file (and line), what is wrong.
    @Test(arguments: [
        ("image_sources: [unclosed", "not YAML"),
        (
            "image_sources:\n  - name: x\n    tags: [\"1\"]\n    visiblity: public\n",
            ":4: unknown key `visiblity` in an image source"
        ),
        (
            "dependencies: [../../nowhere]\nimage_sources:\n  - name: x\n    tags: [\"1\"]\n",
            "the dependency 'nowhere' names no image definition"
        ),
        (
            "dependencies: [../../../..]\nimage_sources:\n  - name: x\n    tags: [\"1\"]\n",
            "goes above the search-path root"
        ),
        (
            "image_sources:\n  - name: Casa_Test\n    tags: [\"1\"]\n",
            "'Casa_Test' is not a repository name a registry accepts"
        ),
        ("image_sources:\n  - name: x\n    tags: [\"-1\"]\n", "'-1' is not a tag a registry accepts"),
        // A newline (YAML's escape) or an escape sequence in a tag: shown escaped, on one line.
        (
            "image_sources:\n  - name: x\n    tags: [\"5.4\\nlatest\"]\n",
            "'5.4\\nlatest' is not a tag a registry accepts"
        ),
        (
            "image_sources:\n  - name: x\n    tags: [\"\\e[31mred\"]\n",
            "'\\u{1b}[31mred' is not a tag a registry accepts"
        ),
        (
            "image_sources:\n  - name: x\n    tags: [\"%(a)s\"]\n    template_files_parameters: {a: \"%(b)s\", b: \"%(a)s\"}\n",
            "refer to each other in a loop"
        ),
        ("image_sources:\n  - name: x\n    tags: [\"%(nothing)s\"]\n", "%(nothing)s has no value"),
        (
            "image_sources:\n  - name: x\n    tags: [\"1\"]\n    visibility: secret\n",
            "visibility must be public or private"
        ),
        ("image_sources: []\n", "must list at least one image"),
    ])
    func aWrongDefinitionIsOneErrorNamingItsFile(yaml: String, expected: String) throws {
        let scratch = Scratch()
        let root = scratch.path + "/docker"
        try Self.define(root, "x/y", yaml)
        let file = root + "/x/y/casa_distro_docker.yaml"
        do {
            let definitions = try DockerDefinitionSearch.load(roots: [root])
            _ = try DockerImagePlanner.plan(definitions, patterns: ["*"], casaVersion: "5.4")
            Issue.record("no error for \(yaml)")
        } catch let error as DockerDefinitionError {
            #expect(error.file.hasPrefix(file), "\(error)")
            #expect(error.description.contains(expected), "\(error)")
            #expect(
                !error.description.contains("\n") && !error.description.contains("\u{1b}"),
                "one line, no escape sequence: \(error)")
        }
    }

    @Test func aDefinitionWithoutADockerfileIsRefused() throws {
        let scratch = Scratch()
        let root = scratch.path + "/docker"
        try Self.define(root, "x/y", Self.source("x", "1"), dockerfile: nil)
        #expect(
            throws: DockerDefinitionError(
                root + "/x/y/casa_distro_docker.yaml", "there is no Dockerfile (nor Dockerfile.template) beside it")
        ) {
            try DockerDefinitionSearch.load(roots: [root])
        }
    }

    @Test func percentTemplatesExpandUntilNothingChanges() throws {
        let parameters = ["casa_version": "5.4", "system": "ubuntu-%(major)s.04", "major": "24"]
        #expect(
            try PercentTemplate.expand("casa-%(casa_version)s-%(system)s 100%%", parameters, file: "f")
                == "casa-5.4-ubuntu-24.04 100%")
        #expect(throws: DockerDefinitionError.self) { try PercentTemplate.expand("50% off", parameters, file: "f") }
    }

    @Test func referencesFollowTheDistributionSpecification() {
        for name in ["cati/casa-test", "a", "a.b", "a__b", "a---b", "a/b/c"] {
            #expect(DockerReference.isValidName(name), "\(name)")
        }
        for name in ["", "A", "a_", "-a", "a/", "a//b", "a___b", "a..b", "a b"] {
            #expect(!DockerReference.isValidName(name), "\(name)")
        }
        for tag in ["5.4", "latest", "_x", "A-1.2_3"] { #expect(DockerReference.isValidTag(tag), "\(tag)") }
        for tag in ["", ".x", "-x", "a:b", String(repeating: "a", count: 129)] {
            #expect(!DockerReference.isValidTag(tag), "\(tag)")
        }
    }
}
