import Foundation
import Testing
@testable import Executors
import ReleaseStateMachine

/// The two recipe forms give the same plan, and the same definition file.
@Suite struct RecipeLoaderTests {
    /// The example recipe.
    static var example: String { packageRoot + "/Examples/image-recipes/casa-run/5.4" }

    /// casa-distro's form of the example recipe, written the way casa-distro's recipes are.
    static let buildImagePy = #"""
        import os.path

        from casa_distro.image_builder import ImageBuilder

        builder = ImageBuilder('casa-run', base='casa-system-ubuntu-24.04.{extension}')

        BUILD_FILES = ['install_apt_dependencies.sh', 'install_pip_dependencies.sh', 'cleanup_build_dependencies.sh']


        @builder.step
        def mount_points(base_dir, builder):
            builder.run_root('if [ ! -e /casa ]; then mkdir /casa; fi')
            builder.run_root('if [ ! -e /casa/host ]; then mkdir /casa/host; fi')
            builder.run_root('if [ ! -e /casa/home ]; then mkdir /casa/home; fi')
            if builder.user:
                builder.run_root('/bin/chown {0}:{0} /casa'.format(builder.user))
            builder.run_root('if [ ! -e /host ]; then mkdir /host; fi')


        @builder.step
        def copy_build_files(base_dir, builder):
            for f in BUILD_FILES:
                builder.copy_root(os.path.join(base_dir, f), '/build')
            builder.run_root('chmod +x /build/*.sh')
            builder.copy_user(os.path.join(base_dir, 'environment.sh'), '/casa')
            builder.run_user('chmod a+rx /casa/environment.sh')
            builder.run_user('echo "{\\"image_id\\": \\"%s\\", \\"image_version\\": \\"%s\\"}" > /casa/image_id'
                             % (builder.image_id, builder.image_version))
            builder.copy_root(os.path.join(base_dir, 'entrypoint'), '/usr/local/bin/')
            builder.run_root('chmod a+rx /usr/local/bin/entrypoint')
            builder.environment({'CASA_RUN_VERSION': '5.4'})


        @builder.step
        def apt_dependencies(base_dir, builder):
            builder.run_root('/build/install_apt_dependencies.sh')


        @builder.step
        def pip_dependencies(base_dir, builder):
            builder.run_root('/build/install_pip_dependencies.sh')


        @builder.step
        def cleanup_build_dependencies(base_dir, builder):
            builder.run_root('/build/cleanup_build_dependencies.sh')


        @builder.step
        def cleanup_files(base_dir, builder):
            builder.run_root('rm -rf /build')
        """#

    @Test func yamlAndBuildImagePyGiveTheSamePlanAndDefinition() throws {
        let scratch = Scratch()
        let pythonForm = scratch.path + "/casa-run/5.4"
        try FileManager.default.createDirectory(atPath: scratch.path + "/casa-run", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.example, toPath: pythonForm)
        try FileManager.default.removeItem(atPath: pythonForm + "/recipe.yaml")
        try Data(Self.buildImagePy.utf8).write(to: URL(fileURLWithPath: pythonForm + "/build_image.py"))

        let yaml = try RecipeLoader.load(LoadRecipeIntent(recipeDirectory: Self.example, imageVersion: "5.4"))
        let python = try RecipeLoader.load(LoadRecipeIntent(recipeDirectory: pythonForm, imageVersion: "5.4"))
        #expect(yaml.format == "recipe.yaml" && python.format == "build_image.py")
        #expect(
            python.recipe.steps.map(\.name) == [
                "mount_points", "copy_build_files", "apt_dependencies", "pip_dependencies",
                "cleanup_build_dependencies", "cleanup_files",
            ])

        // Same plan, once the directories (the only difference) are the same.
        let rebased = try JSONDecoder().decode(
            Recipe.self, from: try JSONEncoder().encode(python.recipe), rebasing: pythonForm, onto: Self.example)
        #expect(rebased == yaml.recipe)

        func definition(_ recipe: Recipe) -> String {
            ApptainerDefinition.baseImage(
                BaseImageDefinitionInput(
                    base: "/base/casa-system-ubuntu-24.04.sif", imageType: "run", system: "ubuntu-24.04",
                    imageVersion: "5.4",
                    imageID: "11111111-2222-3333-4444-555555555555", recipe: recipe, casaDistroSource: nil))
        }
        #expect(definition(rebased) == definition(yaml.recipe))
        #expect(
            definition(yaml.recipe).contains(
                #"echo "{\"image_id\": \"11111111-2222-3333-4444-555555555555\", \"image_version\": \"5.4\"}" > /casa/image_id"#
            ))
    }

    @Test func aRecipeDirectoryWithoutARecipeIsBadInput() throws {
        let scratch = Scratch()
        #expect(
            throws: ExecutorError(
                .badInput, "the recipe directory \(scratch.path) has neither recipe.yaml nor build_image.py")
        ) {
            try RecipeLoader.load(LoadRecipeIntent(recipeDirectory: scratch.path, imageVersion: "5.4"))
        }
    }

    @Test func aBuildImagePyWithoutPythonIsAToolUnavailable() throws {
        let scratch = Scratch()
        try scratch.write("build_image.py", Self.buildImagePy)
        let file = scratch.path + "/build_image.py"
        let tools = ToolSettings(environment: ["PATH": "/usr/bin:/bin", "CASA_RELEASE_PYTHON": "/nonexistent/python3"])
        #expect(
            throws: ExecutorError(
                .unavailable,
                "/nonexistent/python3 is needed to read \(file) (a casa-distro recipe) and is not on the PATH; install python3, or write the recipe as recipe.yaml"
            )
        ) {
            try RecipeLoader.load(LoadRecipeIntent(recipeDirectory: scratch.path, imageVersion: "5.4"), tools: tools)
        }
    }

    @Test func unknownKeysAreReportedWithTheirLine() throws {
        let scratch = Scratch()
        try scratch.write("recipe.yaml", "base: b.{extension}\nstep:\n  - name: a\n")
        #expect(
            throws: ExecutorError(
                .badInput,
                "cannot load the recipe \(scratch.path)/recipe.yaml:2: column 1: unknown key `step` in the recipe; expected name, base, metadata, steps"
            )
        ) {
            try RecipeLoader.load(LoadRecipeIntent(recipeDirectory: scratch.path, imageVersion: "5.4"))
        }
    }
}

/// The install tree's summary and the sources' revisions, as recorded.
@Suite struct TreeAndSourceTests {
    @Test func theTreeSummaryChangesWithAModeOrASize() throws {
        let scratch = Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path + "/tree/bin", withIntermediateDirectories: true)
        try scratch.write("tree/bin/tool", "#!/bin/sh\n")
        let first = try TreeDigest.summarize(scratch.path + "/tree")
        #expect(first.fileCount == 2 && first.totalSize == 10)
        chmod(scratch.path + "/tree/bin/tool", 0o755)
        let second = try TreeDigest.summarize(scratch.path + "/tree")
        #expect(second.sha256 != first.sha256 && second.totalSize == first.totalSize)
        try scratch.write("tree/bin/tool", "#!/bin/sh\necho\n")
        #expect(try TreeDigest.summarize(scratch.path + "/tree").sha256 != second.sha256)
    }

    @Test func gitRevisionsAreReadFromLooseAndPackedRefs() throws {
        let scratch = Scratch()
        let loose = String(repeating: "a", count: 40)
        let packed = String(repeating: "b", count: 40)
        let detached = String(repeating: "c", count: 40)
        for (name, head) in [
            ("one", "ref: refs/heads/master"), ("two/5.4", "ref: refs/heads/5.4"), ("three", detached),
        ] {
            try FileManager.default.createDirectory(
                atPath: scratch.path + "/src/\(name)/.git/refs/heads", withIntermediateDirectories: true)
            try scratch.write("src/\(name)/.git/HEAD", head + "\n")
        }
        try scratch.write("src/one/.git/refs/heads/master", loose + "\n")
        try scratch.write("src/two/5.4/.git/packed-refs", "# pack-refs with: peeled\n\(packed) refs/heads/5.4\n")
        let revisions = SourceRevisions.scan(scratch.path + "/src")
        #expect(revisions.map(\.revision) == [loose, detached, packed])
        #expect(revisions.map { FilePath.lastComponent($0.path) } == ["one", "three", "5.4"])
    }
}

private extension JSONDecoder {
    /// Decodes `data` with every occurrence of one directory replaced by another.
    func decode<T: Decodable>(_ type: T.Type, from data: Data, rebasing from: String, onto to: String) throws -> T {
        let text = String(decoding: data, as: UTF8.self)
            .replacingOccurrences(
                of: from.replacingOccurrences(of: "/", with: "\\/"), with: to.replacingOccurrences(of: "/", with: "\\/")
            )
            .replacingOccurrences(of: from, with: to)
        return try decode(type, from: Data(text.utf8))
    }
}
