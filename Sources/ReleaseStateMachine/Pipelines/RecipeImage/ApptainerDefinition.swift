import Foundation

/// Renders Apptainer definition files (docs/casa-distro.md §6): `Bootstrap: localimage`, a %runscript, then
/// the sections the recipe's operations fill, in the order they are first used.
///
/// Pure: the same inputs give the same bytes, which is what lets a resumed run rebuild the image
/// an interrupted one was building, with the same image_id.
public enum ApptainerDefinition {
    /// The sub-directories of a casa-distro checkout that `install_casa_distro` copies.
    public static let casaDistroParts = ["bin", "cbin", "python", "etc", "share"]

    /// A run, dev or pixi base image from its recipe.
    public static func baseImage(_ input: BaseImageDefinitionInput) -> String {
        var sections = SectionWriter()
        for step in input.recipe.steps {
            for operation in step.operations {
                sections.add(operation, casaDistroSource: input.casaDistroSource)
            }
        }
        sections.append(
            "post",
            [
                "mkdir -p /casa",
                "echo " + shellQuoted(#"{"image_id": "\#(input.imageID)", "image_version": "\#(input.imageVersion)"}"#)
                    + " > /casa/image_id",
            ])
        let runscript = [
            "export CASA_SYSTEM=" + shellQuoted(input.system),
            "export CASA_TYPE=" + shellQuoted(input.imageType),
            "if [ -d /casa/setup ]; then",
            "    exec /usr/local/bin/entrypoint casa_container setup_dev \"$@\"",
            "elif [ $# -ne 0 ]; then",
            "    . /usr/local/bin/entrypoint",
            "else",
            "    echo \"This is a casa-\(input.imageType) image (\(input.system)). Run a command in it with:\"",
            "    echo \"    apptainer run <image> <command>\"",
            "fi",
        ]
        let text = header(from: input.base) + section("runscript", runscript) + sections.rendered
        return text.replacingOccurrences(of: Recipe.imageIDPlaceholder, with: input.imageID)
    }

    /// A user image: the install tree of a dev environment on top of a run image, or, for
    /// `apptainer_pixi`, a pixi project on top of a casa-pixi image.
    public static func userImage(_ input: UserImageDefinitionInput) -> String {
        var sections = SectionWriter()
        let imageIDLine = "echo " + shellQuoted(#"{"image_id": "\#(input.imageID)"}"#) + " > /casa/image_id"
        let runscript: [String]
        if let pixi = input.pixi {
            runscript = pixiRunscript(input)
            sections.append(
                "post",
                [
                    "mkdir -p /casa/install",
                    "cd /casa/install",
                    "/usr/local/bin/pixi init -c pytorch -c nvidia -c conda-forge -c https://brainvisa.info/neuro-forge",
                    // casa-distro did this with a helper script at a fixed /tmp path, which raced
                    // between concurrent builds; two in-place edits need no helper.
                    #"sed -i -e '/^\[\(workspace\|project\)\]/a channel-priority = "disabled"' pixi.toml"#,
                    #"printf '\n[pypi-dependencies]\ndracopy = ">=1.4.2, <2"\n' >> pixi.toml"#,
                    "mkdir -p /casa",
                    imageIDLine,
                    // One `>` then `>>`: casa-distro's third `>` threw away the first two lines.
                    "echo '#!/bin/sh' > /casa/install/activate.sh",
                    #"echo 'eval "$(/usr/local/bin/pixi shell-hook --manifest-path /casa/install/pixi.toml)"' >> /casa/install/activate.sh"#,
                    "chmod a+rx /casa/install/activate.sh",
                ])
            if pixi.monolithic {
                sections.append(
                    "post",
                    [
                        "/usr/local/bin/pixi add " + shellQuoted("\(input.distro)=\(input.version)"),
                        "/usr/local/bin/pixi run bv_update_bin_links",
                    ])
            }
            sections.append("post", ["mkdir -p /casa/install/bin"])
            if let installer = pixi.installEnvironmentScript {
                sections.add(
                    .copyRoot(RecipeCopy(source: installer, destination: "/casa/install/bin")), casaDistroSource: nil)
            }
        } else {
            runscript = userRunscript(input)
            sections.append(
                "setup",
                [
                    "mkdir -p ${SINGULARITY_ROOTFS}/casa",
                    "cp -a " + shellQuoted(input.installDirectory) + " ${SINGULARITY_ROOTFS}/casa/install",
                ])
            sections.append(
                "post",
                [
                    // casa-distro refreshed the databases' time so that BrainVISA does not rebuild them.
                    "for f in /casa/install/share/brainvisa-share-*/database-*.sqlite; do if [ -e \"$f\" ]; then touch \"$f\"; fi; done",
                    "mkdir -p /casa",
                    imageIDLine,
                ])
        }
        if let source = input.casaDistroSource {
            sections.add(.installCasaDistro(destination: "/casa/casa-distro"), casaDistroSource: source)
        }
        return header(from: input.runImage) + section("runscript", runscript) + sections.rendered
    }

    private static func userRunscript(_ input: UserImageDefinitionInput) -> [String] {
        exports(input) + [
            "if [ -d /casa/setup ]; then",
            "    exec /casa/casa-distro/cbin/casa_container setup_user \"$@\"",
            "elif [ $# -ne 0 ]; then",
            "    if [ -x /casa/host/install/bin/bv_env ]; then",
            "        exec /usr/local/bin/entrypoint /casa/host/install/bin/bv_env \"$@\"",
            "    elif [ -x /casa/install/bin/bv_env ]; then",
            "        exec /usr/local/bin/entrypoint /casa/install/bin/bv_env \"$@\"",
            "    else",
            "        exec /usr/local/bin/entrypoint \"$@\"",
            "    fi",
            "else",
            "    echo \"\(input.distro) \(input.version) (\(input.system)). Set up a user environment with:\"",
            "    echo \"    apptainer run -B <directory>:/casa/setup <image>\"",
            "fi",
        ]
    }

    private static func pixiRunscript(_ input: UserImageDefinitionInput) -> [String] {
        exports(input) + [
            "start_pixi=1",
            "while getopts :hp option; do",
            "    case $option in",
            "        p) start_pixi=0 ;;",
            "        h) echo \"usage: apptainer run <image> [-p] [command...]  (-p: do not start pixi)\"; exit 0 ;;",
            "    esac",
            "done",
            "shift $((OPTIND - 1))",
            "export CASA_START_PIXI=$start_pixi",
            "if [ -d /casa/setup ]; then",
            "    exec /casa/casa-distro/cbin/casa_container setup_user \"$@\"",
            "elif [ $# -ne 0 ]; then",
            "    if [ -x /casa/host/install/bin/bv ]; then",
            "        exec /usr/local/bin/entrypoint /casa/host/install/bin/bv \"$@\"",
            "    else",
            "        exec /usr/local/bin/entrypoint /casa/install/bin/bv \"$@\"",
            "    fi",
            "else",
            "    echo \"\(input.distro) \(input.version) (\(input.system), pixi). Set up a user environment with:\"",
            "    echo \"    apptainer run -B <directory>:/casa/setup <image>\"",
            "fi",
        ]
    }

    private static func exports(_ input: UserImageDefinitionInput) -> [String] {
        [
            "export CASA_SYSTEM=" + shellQuoted(input.system),
            "export CASA_TYPE=user",
            "export CASA_DISTRO=" + shellQuoted(input.distro),
            "export CASA_VERSION=" + shellQuoted(input.version),
        ]
    }

    private static func header(from base: String) -> String {
        "Bootstrap: localimage\n    From: \(base)\n"
    }

    fileprivate static func section(_ name: String, _ lines: [String]) -> String {
        "\n%\(name)\n"
            + lines.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false) }.map { "    " + $0 + "\n" }
            .joined()
    }

    /// A word for `sh`: unchanged when it is safe as it is, else in single quotes.
    public static func shellQuoted(_ word: String) -> String {
        let safe = CharacterSet(
            charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-")
        if !word.isEmpty, word.unicodeScalars.allSatisfy(safe.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}

/// What a base image's definition is made of.
public struct BaseImageDefinitionInput: Equatable, Sendable {
    public var base: String
    public var imageType: String
    public var system: String
    public var imageVersion: String
    public var imageID: String
    public var recipe: Recipe
    public var casaDistroSource: String?

    public init(
        base: String, imageType: String, system: String, imageVersion: String, imageID: String, recipe: Recipe,
        casaDistroSource: String?
    ) {
        self.base = base
        self.imageType = imageType
        self.system = system
        self.imageVersion = imageVersion
        self.imageID = imageID
        self.recipe = recipe
        self.casaDistroSource = casaDistroSource
    }
}

/// What a user image's definition is made of.
public struct UserImageDefinitionInput: Equatable, Sendable {
    public var runImage: String
    public var system: String
    public var distro: String
    public var version: String
    public var imageID: String
    /// The dev environment's install tree, copied to /casa/install.
    public var installDirectory: String
    public var casaDistroSource: String?
    /// Set for `apptainer_pixi` images.
    public var pixi: PixiVariant?

    public init(
        runImage: String, system: String, distro: String, version: String, imageID: String,
        installDirectory: String, casaDistroSource: String?, pixi: PixiVariant?
    ) {
        self.runImage = runImage
        self.system = system
        self.distro = distro
        self.version = version
        self.imageID = imageID
        self.installDirectory = installDirectory
        self.casaDistroSource = casaDistroSource
        self.pixi = pixi
    }
}

/// The pixi user image: monolithic (the distro's packages in the image, `install=yes`) or
/// modular (pixi and an empty project; the packages go to the user's environment, `install=no`).
public struct PixiVariant: Codable, Equatable, Sendable {
    public var monolithic: Bool
    /// casa-distro's `bv_install_environment`, which modular environments run at setup.
    public var installEnvironmentScript: String?

    public init(monolithic: Bool, installEnvironmentScript: String?) {
        self.monolithic = monolithic
        self.installEnvironmentScript = installEnvironmentScript
    }
}

/// Accumulates definition sections in first-use order, as casa-distro's RecipeBuilder does.
private struct SectionWriter {
    private var order: [String] = []
    private var lines: [String: [String]] = [:]

    mutating func append(_ section: String, _ newLines: [String]) {
        if lines[section] == nil { order.append(section) }
        lines[section, default: []].append(contentsOf: newLines)
    }

    mutating func add(_ operation: RecipeOperation, casaDistroSource: String?) {
        let q = ApptainerDefinition.shellQuoted
        switch operation {
        case .runRoot(let command), .runUser(let command):
            append("post", [command])
        case .copyRoot(let copy), .copyUser(let copy):
            let name = FilePath.lastComponent(copy.source)
            let isRoot: Bool
            if case .copyRoot = operation { isRoot = true } else { isRoot = false }
            guard copy.preserveSymlinks else {
                append("files", [q(copy.source) + " " + q(copy.destination + "/" + name)])
                return
            }
            let directory = "${SINGULARITY_ROOTFS}" + q(copy.destination)
            let target = isRoot ? directory + "/" + q(name) : directory + "/"
            let tool = copy.preserveExternalSymlinks ? "cp -a" : "rsync -a --copy-unsafe-links"
            append(
                "setup",
                [
                    "if [ ! -d \(directory) ]; then mkdir -p \(directory); fi",
                    "\(tool) \(q(copy.source)) \(target)",
                ])
        case .symlink(let target, let link):
            append("setup", ["ln -s \(q(target)) ${SINGULARITY_ROOTFS}\(q(link))"])
        case .environment(let variables):
            append("environment", variables.map { "export \($0.name)=\"\($0.value)\"" })
        case .extractTar(let source, let destination):
            let directory = "${SINGULARITY_ROOTFS}" + q(destination)
            append(
                "setup",
                [
                    "if [ ! -d \(directory) ]; then mkdir -p \(directory); fi",
                    "tar -C \(directory) --no-same-owner -xf \(q(source))",
                ])
        case .installCasaDistro(let destination):
            let source = casaDistroSource ?? "<casa-distro sources>"
            for part in ApptainerDefinition.casaDistroParts {
                add(.copyRoot(RecipeCopy(source: source + "/" + part, destination: destination)), casaDistroSource: nil)
            }
            // casa-distro's `find -name A -o -name B -o -name C -exec` only deleted C (find's
            // precedence); the parentheses make it delete all three.
            append(
                "post",
                [
                    "find \(q(destination)) \\( -name __pycache__ -o -name '*.pyc' -o -name '*~' \\) -prune -exec rm -rf '{}' +"
                ])
        }
    }

    var rendered: String {
        order.map { ApptainerDefinition.section($0, lines[$0] ?? []) }.joined()
    }
}
