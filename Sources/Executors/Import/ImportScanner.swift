import Foundation
import ReleaseStateMachine

/// Reads a directory of casa-distro images: each `<image>.json` sidecar of a `.sif` or `.ova`,
/// and the image beside it when it is there (hashed, and checked against the sidecar).
public enum ImportScanner {
    /// What a scan found: images to record, and files it could not take, with why.
    public struct Scan: Equatable, Sendable {
        public var images: [ImportedImage] = []
        /// Files that are wrong (a sidecar that is not JSON, an image whose md5 is not its sidecar's):
        /// reported, never recorded.
        public var problems: [Finding] = []
        /// Files that are fine but cannot be linked to anything (no sidecar, no image_id).
        public var skipped: [Finding] = []
    }

    public struct Finding: Equatable, Sendable {
        public var path: String
        public var reason: String
    }

    /// The extensions of casa-distro's images (reference §1: singularity → sif, vbox → ova).
    public static let imageExtensions = ["sif", "ova"]

    /// Scans `directory` (not its subdirectories: casa-distro keeps images at the top of its base
    /// directory and of its download directories). Hidden files are casa-release's temporaries.
    public static func scan(_ directory: String) throws -> Scan {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw ExecutorError(.badInput, "\(directory) does not exist")
        }
        guard isDirectory.boolValue else { throw ExecutorError(.badInput, "\(directory) is not a directory") }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw ExecutorError.posix(.badInput, "cannot list", directory)
        }
        let visible = names.filter { !$0.hasPrefix(".") }
        let isImage = { (name: String) in imageExtensions.contains((name as NSString).pathExtension) }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        // Real files before symlinks (casa-release's numbered links point at them), then by name;
        // each file is looked at once, not at every comparison.
        let sidecars = visible.filter { $0.hasSuffix(".json") && isImage(String($0.dropLast(5))) }
            .map { (isLink: LocalFiles.status(base + $0)?.isSymlink == true ? 1 : 0, name: $0) }
            .sorted { ($0.isLink, $0.name) < ($1.isLink, $1.name) }
            .map(\.name)
        var scan = Scan()
        for sidecarName in sidecars {
            let sidecarPath = base + sidecarName
            let imagePath = String(sidecarPath.dropLast(5))
            let sidecar: ImageSidecar
            do {
                sidecar = try ImageSidecar.parse(String(decoding: try RegularFile.read(sidecarPath), as: UTF8.self))
            } catch {
                scan.problems.append(Finding(path: sidecarPath, reason: "not a readable sidecar: \(ErrorText.line(error))"))
                continue
            }
            guard sidecar.imageID != nil else {
                scan.skipped.append(Finding(path: sidecarPath, reason: "the sidecar has no image_id, so nothing can name this image"))
                continue
            }
            var file: FileDigests?
            if LocalFiles.exists(imagePath) {
                let digests = try FileDigests.compute(path: imagePath)
                if let md5 = sidecar.md5, md5 != digests.md5 {
                    scan.problems.append(Finding(path: imagePath, reason: "its md5 is \(digests.md5), its sidecar says \(md5): the image or its sidecar changed"))
                    continue
                }
                if let size = sidecar.size, size != digests.size {
                    scan.problems.append(Finding(path: imagePath, reason: "it has \(digests.size) bytes, its sidecar says \(size)"))
                    continue
                }
                file = digests
            }
            scan.images.append(ImportedImage(image: imagePath, sidecarPath: sidecarPath, sidecar: sidecar, file: file))
        }
        let visibleNames = Set(visible)
        for name in visible.sorted() where isImage(name) && !visibleNames.contains(name + ".json") {
            scan.skipped.append(Finding(path: base + name, reason: "no sidecar (\(name).json)"))
        }
        return scan
    }
}
