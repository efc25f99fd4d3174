import ArgumentParser
import Executors
import Foundation
import ReleaseLedger
import ReleaseStateMachine

/// `casa-release create-base-image type=system image_version=ubuntu-24.04 [base=...] [publish=yes]`
struct CreateBaseImage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-base-image",
        abstract: "Create a base image (type=system: a copy of an upstream .sif, described by its sidecar), and optionally publish it."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Image type: system (run, dev and pixi come with recipes).")
    var type: String

    @Option(name: .customLong("image-version"), help: "Image version; for system images conventionally the system, e.g. ubuntu-24.04.")
    var imageVersion: String

    @Option(name: .customLong("container-type"), help: "apptainer or singularity (one container type, two names).")
    var containerType: String = "singularity"

    @Option(help: "The base image (a path or a glob). Default: the single *ubuntu-*.sif in the base directory.")
    var base: String?

    @Option(help: "The image's name, a template with {type}, {system} and {image_version}.")
    var name: String = "casa-{type}-{image_version}"

    @Option(help: "The output file, a template with {name}, {system} and {extension}. Default: <base dir>/{name}.{extension}.")
    var output: String?

    @Option(help: "Replace an existing output.")
    var force: StrictBool = StrictBool(false)

    @Option(help: "Publish the image once it is made.")
    var publish: StrictBool = StrictBool(false)

    @Option(help: "Where to publish: a file:// URL or a directory (default: $CASA_RELEASE_PUBLISH_URL).")
    var target: String?

    @Option(help: "Accepted for casa-distro compatibility; no effect on system images.")
    var cleanup: StrictBool?

    @Option(help: "Accepted for casa-distro compatibility; no effect on system images.")
    var fakeroot: StrictBool?

    func validate() throws {
        switch type {
        case "system": break
        case "run", "dev", "pixi":
            throw ValidationError("type=\(type) images are built from recipes, which this version of casa-release does not build yet; type=system is supported")
        default:
            throw ValidationError("type must be system, run, dev or pixi, not '\(type)'")
        }
        switch containerType {
        case "apptainer", "singularity": break
        case "vbox":
            throw ValidationError("container_type=vbox (VirtualBox) is not supported yet; use apptainer or singularity")
        default:
            throw ValidationError("container_type must be apptainer or singularity, not '\(containerType)'")
        }
        guard !imageVersion.isEmpty, !imageVersion.contains("/") else {
            throw ValidationError("image_version must be a non-empty name without '/', not '\(imageVersion)'")
        }
    }

    func run() throws {
        let out = Output(json: global.json)
        let baseDirectory = global.resolvedBaseDirectory
        let explicitBase = base.map(Paths.absolute)
        let pattern = "*ubuntu-*.sif"

        // Everything that can be checked is checked before the run is recorded, so that a typo
        // leaves the ledger untouched.
        let resolved = try BaseResolver.resolve(ResolveBaseIntent(baseDirectory: baseDirectory, explicitBase: explicitBase, pattern: pattern))
        let values = ["type": type, "system": resolved.system, "image_version": imageVersion]
        let imageName = try Template.fill(name, values, option: "name")
        let outputPath = Paths.absolute(try Template.fill(
            output ?? (baseDirectory as NSString).appendingPathComponent("{name}.{extension}"),
            ["name": imageName, "system": resolved.system, "extension": "sif"], option: "output"))
        let outputDirectory = (outputPath as NSString).deletingLastPathComponent
        guard LocalFiles.isDirectory(outputDirectory) else {
            throw CommandFailure(.cannotCreate, "cannot create \(outputPath): the directory \(outputDirectory) does not exist")
        }
        guard access(outputDirectory, W_OK) == 0 else {
            throw CommandFailure(.cannotCreate, "cannot create \(outputPath): the directory \(outputDirectory) is not writable")
        }
        if LocalFiles.exists(outputPath), !force.value {
            throw CommandFailure(.cannotCreate, "\(outputPath) already exists; add force=yes to replace it")
        }
        if outputPath == resolved.base {
            throw CommandFailure(.badInput, "the output \(outputPath) is the base image itself")
        }
        var publication: PublicationParameters?
        if publish.value {
            let address = TargetAddress.resolve(target)
            try TargetAddress.preflight(address)
            publication = PublicationParameters(target: address, image: outputPath)
        } else if target != nil {
            out.note("target= is ignored without publish=yes")
        }

        let ledger = try global.openLedgerForWriting()
        let parameters = RunParameters(
            systemBaseImage: SystemBaseImageParameters(
                baseDirectory: baseDirectory, base: explicitBase, basePattern: pattern, imageVersion: imageVersion,
                containerType: "singularity", name: imageName, output: outputPath, force: force.value),
            publication: publication,
            commandLine: Redaction.commandLine(CommandLine.arguments))
        let chosen = ChosenValues(imageID: UUID().uuidString.lowercased(), creationTime: CreationTime.now())
        try RunLauncher.start(.systemBaseImage, parameters: parameters, chosen: chosen, ledger: ledger, output: out)
    }
}

/// casa-distro's `str.format` templates (`casa-{type}-{image_version}`), with a clear error for an
/// unknown key instead of a KeyError.
enum Template {
    static func fill(_ template: String, _ values: [String: String], option: String) throws -> String {
        var result = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw ValidationError("\(option)=\(template) has an unclosed '{'")
            }
            let key = String(rest[rest.index(after: open)..<close])
            guard let value = values[key] else {
                throw ValidationError("\(option)=\(template) uses {\(key)}; known: \(values.keys.sorted().map { "{\($0)}" }.joined(separator: ", "))")
            }
            result += value
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}

/// The sidecar's `creation_time`: casa-distro's ISO format with microseconds, but in UTC and saying
/// so (casa-distro wrote naive local time, which cannot be compared across machines).
enum CreationTime {
    static func now() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        var seconds = time_t(time.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(time.tv_nsec / 1000))
    }
}

/// Removes secrets from what is recorded.
enum Redaction {
    /// The command line with passwords in URLs removed.
    static func commandLine(_ arguments: [String]) -> [String] {
        arguments.dropFirst().map { argument in
            guard let range = argument.range(of: "://") else { return argument }
            let prefix = argument[..<range.upperBound]
            let rest = String(argument[range.upperBound...])
            return String(prefix) + TargetAddress.normalize("x://" + rest).dropFirst(4)
        }
    }
}
