import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseStateMachine

/// `create-base-image type=system container_type=vbox`: the seed's ten-step procedure as one run.
extension CreateBaseImage {
    static let defaultMemory = 8192
    static let defaultVideoMemory = 50
    static let defaultDiskSize = 131_072
    /// casa-distro left processors to the operator (docs/casa-distro.md §5, item 13); two runs anywhere.
    static let defaultCPUs = 2
    /// casa-distro waited 50 × 5 s; a little more, since an Ubuntu desktop may install updates
    /// on its way down.
    static let defaultTimeout = 300

    func validateVirtualBox() throws {
        guard type == "system" else {
            throw ValidationError(
                "container_type=vbox makes system base images only (type=system): casa-distro's VirtualBox run and dev images never worked (docs/casa-distro.md §5); make user images from a base .ova"
            )
        }
        let numbers = [
            ("memory", memory), ("video_memory", videoMemory), ("disk_size", diskSize), ("cpus", cpus),
            ("timeout", timeout),
        ]
        for case let (name, value?) in numbers where value <= 0 {
            throw ValidationError("\(name) must be a positive number, not \(value)")
        }
        if let isoSHA256, isoSHA256.count != 64 || !isoSHA256.allSatisfy(\.isHexDigit) {
            throw ValidationError("iso_sha256 must be 64 hexadecimal digits, not '\(isoSHA256)'")
        }
        if let isoURL {
            guard URLArgument.looksLikeURL(isoURL) else {
                throw ValidationError("iso_url must be an http(s)://, sftp:// or file:// URL, not '\(isoURL)'")
            }
            try URLArgument.check(isoURL, option: "iso_url=", schemes: ["http", "https", "sftp", "file"], orPath: nil)
        }
        if let output, !output.hasSuffix(".ova") {
            throw ValidationError(
                "output must end in .ova (VirtualBox chooses the format from the name), not '\(output)'")
        }
    }

    func runVirtualBox() throws {
        let baseDirectory = global.resolvedBaseDirectory
        // VirtualBox must be there before anything is recorded; its version is checked as step 1.
        let vbox = try VirtualBoxManager.locate(ToolSettings())
        let version = try vbox.version()
        let iso = try resolveISO(baseDirectory)
        let chosen = ChosenValues(
            imageID: UUID().uuidString.lowercased(), creationTime: CreationTime.now(),
            machineUUID: UUID().uuidString.lowercased())
        try launch(
            .virtualBoxBaseImage, base: iso, baseDirectory: baseDirectory, tools: ["VBoxManage": version],
            extension: "ova", chosen: chosen
        ) { imageName, outputPath in
            let disk = String(outputPath.dropLast(".ova".count)) + ".vdi"
            if LocalFiles.exists(disk) {
                throw CommandFailure(
                    .cannotCreate,
                    "the VM's disk \(disk) already exists (an earlier VM's?); remove it, or choose another name= or output="
                )
            }
            if try vbox.machine(imageName) != nil {
                throw CommandFailure(
                    .cannotCreate,
                    "VirtualBox already has a VM named \(imageName); remove it (VBoxManage unregistervm \(imageName) --delete) or choose another name="
                )
            }
            return RunParameters(
                .virtualBoxBaseImage(
                    VirtualBoxBaseImageParameters(
                        baseDirectory: baseDirectory, iso: iso.base,
                        isoURL: isoURL.map(URLPasswords.rememberForThisProcess), isoSHA256: isoSHA256?.lowercased(),
                        imageVersion: imageVersion, system: iso.system, name: imageName, output: outputPath, disk: disk,
                        diskSize: diskSize ?? Self.defaultDiskSize,
                        machine: VirtualMachineSettings(
                            name: imageName, gui: gui?.value ?? true, timeout: timeout ?? Self.defaultTimeout),
                        hardware: VirtualMachineHardware(
                            memory: memory ?? Self.defaultMemory, videoMemory: videoMemory ?? Self.defaultVideoMemory,
                            cpus: cpus ?? Self.defaultCPUs),
                        force: force.value)))
        }
    }

    /// The ISO: `base=` or the single `*ubuntu-*.iso` in the base directory; with `iso_url=`, where
    /// it is downloaded to (`base=`, else the URL's file name in the base directory).
    private func resolveISO(_ baseDirectory: String) throws -> ResolvedBase {
        guard let isoURL else {
            return try BaseResolver.resolve(
                ResolveBaseIntent(
                    baseDirectory: baseDirectory, explicitBase: base.map(Paths.absolute), pattern: "*ubuntu-*.iso"))
        }
        let fileName = FilePath.lastComponent(URL(string: isoURL)?.path ?? isoURL)
        let path = Paths.absolute(base ?? (baseDirectory as NSString).appendingPathComponent(fileName))
        guard LocalFiles.isDirectory(FilePath.directory(path)) else {
            throw CommandFailure(
                .cannotCreate,
                "cannot download the ISO to \(path): the directory \(FilePath.directory(path)) does not exist")
        }
        guard let system = SystemName.derive(fromBaseFileName: FilePath.lastComponent(path)) else {
            throw CommandFailure(
                .badInput,
                "cannot tell the system from the ISO's name \(FilePath.lastComponent(path)); download it to a name like ubuntu-22.04.4-desktop-amd64.iso with base=PATH"
            )
        }
        let status = LocalFiles.status(path)
        return ResolvedBase(
            base: path, system: system, origin: FilePath.lastComponent(path), size: status?.size ?? 0,
            modified: status?.modified ?? 0, baseImageID: nil, sidecarOrigin: nil)
    }
}
