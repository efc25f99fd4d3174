import Foundation
import ReleaseStateMachine

/// Reads a directory of casa-distro images: each `<image>.json` sidecar of a `.sif` or `.ova`,
/// and the image beside it when it is there (hashed, and checked against the sidecar), with the
/// publication identity casa-distro left: its `-N` links, or the published names themselves.
public enum ImportScanner {
    /// What a scan found: images to record, and files it could not take, with why.
    public struct Scan: Equatable, Sendable {
        public var images: [ImportedImage] = []
        /// Files that are wrong (a sidecar that is not JSON, an image whose md5 is not its sidecar's):
        /// reported, never recorded.
        public var problems: [Finding] = []
        /// Files that are fine but cannot be linked to anything (no sidecar, no image_id).
        public var skipped: [Finding] = []
        /// Images recorded, with something the user should know (a build number no link confirms).
        public var notes: [Finding] = []
    }

    public struct Finding: Equatable, Sendable {
        public var path: String
        public var reason: String
    }

    /// Where the images of a directory were published, as far as the user can say.
    public struct PublicationPlaces: Equatable, Sendable {
        /// Where casa-distro's `-N` links say an image went: casa-distro's publish_url.
        public var linksTarget: String
        /// The published directory this one is a copy of (`mirror_of=`): each image in it was
        /// published there under its own name.
        public var mirrorOf: String?

        public init(linksTarget: String, mirrorOf: String? = nil) {
            self.linksTarget = linksTarget
            self.mirrorOf = mirrorOf
        }
    }

    /// The extensions of casa-distro's images (docs/casa-distro.md §1: singularity → sif, vbox → ova).
    public static let imageExtensions = ["sif", "ova"]

    static func isImage(_ name: String) -> Bool { imageExtensions.contains((name as NSString).pathExtension) }

    /// Scans `directory` (not its subdirectories: casa-distro keeps images at the top of its base
    /// directory and of its download directories). Hidden files are casa-release's temporaries.
    ///
    /// casa-distro's `publish_base_image` writes `build_number` into the local sidecar before it
    /// uploads, and makes the links `<name>-<N>.<ext>[.json] → <name>.<ext>[.json]` only after the
    /// upload succeeded (docs/casa-distro.md §1.2, §3.4): a link is the proof of a publication, a
    /// `build_number` alone is not; and since every link points at the current file, only the link
    /// of the sidecar's `build_number` proves that this image was published under that N.
    public static func scan(_ directory: String, places: PublicationPlaces) throws -> Scan {
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
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        let sidecarNames = visible.filter { $0.hasSuffix(".json") && isImage(String($0.dropLast(5))) }.sorted()
        let links = sidecarNames.filter { LocalFiles.status(base + $0)?.isSymlink == true }
        var scan = Scan()
        // The images by their sidecar's real path, so that a link finds the image it names.
        var imageIndexByRealSidecar: [String: Int] = [:]
        for sidecarName in sidecarNames where !links.contains(sidecarName) {
            guard let image = read(sidecarAt: base + sidecarName, into: &scan) else { continue }
            imageIndexByRealSidecar[realPath(base + sidecarName)] = scan.images.count
            scan.images.append(image)
        }
        for link in links {
            let linkPath = base + link
            guard let index = imageIndexByRealSidecar[realPath(linkPath)] else {
                // A link to a sidecar elsewhere: an image of its own, read through the link.
                if let image = read(sidecarAt: linkPath, into: &scan) { scan.images.append(image) }
                continue
            }
            let image = scan.images[index]
            let names = PublishedNames(imageFileName: FilePath.lastComponent(image.image))
            guard let number = names.buildNumber(ofSidecar: link) else {
                scan.skipped.append(Finding(path: linkPath, reason: "a link to \(image.sidecarPath), recorded there"))
                continue
            }
            // casa-distro points every `-N` link at the one current file, so after a rebuild the
            // links of earlier builds name the newest image. Only the link whose N is the
            // sidecar's build_number is evidence; the others say nothing of what N was.
            let declared = image.sidecar.buildNumber.map(Int.init)
            guard number == declared else {
                scan.skipped.append(
                    Finding(
                        path: linkPath,
                        reason:
                            "casa-distro points every -N link at the current image, whose sidecar says build_number \(declared.map(String.init) ?? "nothing"): this link does not tell which image was published as N=\(number); import a copy of the published directory (mirror_of=URL) or the server's listing to record it"
                    ))
                continue
            }
            var updated = image
            updated.publications =
                (image.publications ?? []) + [
                    ImportedPublication(
                        target: places.linksTarget, file: names.image(number), buildNumber: number,
                        evidence: "casa-distro's link \(linkPath)")
                ]
            scan.images[index] = updated
        }
        for index in scan.images.indices {
            identifyPublication(of: &scan.images[index], places: places, notes: &scan.notes)
        }
        let visibleNames = Set(visible)
        for name in visible.sorted() where isImage(name) && !visibleNames.contains(name + ".json") {
            scan.skipped.append(Finding(path: base + name, reason: "no sidecar (\(name).json)"))
        }
        return scan
    }

    /// A sidecar and the image beside it, or nil with the reason added to `scan`.
    private static func read(sidecarAt sidecarPath: String, into scan: inout Scan) -> ImportedImage? {
        let imagePath = String(sidecarPath.dropLast(5))
        let sidecar: ImageSidecar
        do {
            sidecar = try ImageSidecar.parse(String(decoding: try RegularFile.read(sidecarPath), as: UTF8.self))
        } catch {
            scan.problems.append(Finding(path: sidecarPath, reason: "not a readable sidecar: \(ErrorText.line(error))"))
            return nil
        }
        guard sidecar.imageID != nil else {
            scan.skipped.append(
                Finding(path: sidecarPath, reason: "the sidecar has no image_id, so nothing can name this image"))
            return nil
        }
        var file: FileDigests?
        if LocalFiles.exists(imagePath) {
            let digests: FileDigests
            do {
                digests = try FileDigests.compute(path: imagePath)
            } catch {
                scan.problems.append(Finding(path: imagePath, reason: "cannot be read: \(ErrorText.line(error))"))
                return nil
            }
            if let md5 = sidecar.md5, md5 != digests.md5 {
                scan.problems.append(
                    Finding(
                        path: imagePath,
                        reason: "its md5 is \(digests.md5), its sidecar says \(md5): the image or its sidecar changed"))
                return nil
            }
            if let size = sidecar.size, size != digests.size {
                scan.problems.append(
                    Finding(path: imagePath, reason: "it has \(digests.size) bytes, its sidecar says \(size)"))
                return nil
            }
            file = digests
        }
        return ImportedImage(image: imagePath, sidecarPath: sidecarPath, sidecar: sidecar, file: file)
    }

    /// The publication an image's own name and `build_number` show: in a mirror copy, the image
    /// itself is the published file; elsewhere a `build_number` no link confirms is only noted.
    private static func identifyPublication(
        of image: inout ImportedImage, places: PublicationPlaces, notes: inout [Finding]
    ) {
        let fileName = FilePath.lastComponent(image.image)
        let declared = image.sidecar.buildNumber.map(Int.init)
        let numbered = PublishedNames.numbered(fileName)
        if let mirror = places.mirrorOf {
            // A published name carries its N; a name without one (casa-distro publishes user
            // images under their own name) is published as it is.
            let number = numbered.map(\.buildNumber).flatMap { declared == nil || $0 == declared ? $0 : nil }
            image.publications =
                (image.publications ?? []) + [
                    ImportedPublication(
                        target: mirror, file: fileName, buildNumber: number,
                        evidence: "a copy of \(RemoteDirectory(mirror).url(fileName))")
                ]
            return
        }
        guard let declared, image.publications?.contains(where: { $0.buildNumber == declared }) != true else { return }
        if let numbered, numbered.buildNumber == declared {
            notes.append(
                Finding(
                    path: image.image,
                    reason: "a published file (build \(declared)); add mirror_of=URL to record where it was published"))
        } else {
            let link = PublishedNames(imageFileName: fileName).image(declared)
            notes.append(
                Finding(
                    path: image.image,
                    reason:
                        "its sidecar says build_number \(declared) but there is no \(link) link: casa-distro writes build_number before uploading, so this publication is not recorded (import the server's listing to record it)"
                ))
        }
    }

    private static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Reads a published directory (a server's listing, over http(s), sftp or file://): every
    /// `<image>.json` sidecar listed beside its image is fetched, and the image recorded as
    /// published there under its name. Images are not downloaded: their md5 and size are the
    /// sidecar's.
    public static func scanPublished(_ url: String, transfers: TransferSettings) throws -> Scan {
        let reads = try RemoteReads(for: url, settings: transfers)
        let listed = try reads.names(in: url).filter { !$0.hasPrefix(".") }
        let names = Set(listed)
        var scan = Scan()
        let directory = RemoteDirectory(url)
        for sidecarName in listed.sorted()
        where sidecarName.hasSuffix(".json") && isImage(String(sidecarName.dropLast(5))) {
            let fileName = String(sidecarName.dropLast(5))
            let sidecarURL = directory.url(sidecarName)
            let imageURL = directory.url(fileName)
            guard names.contains(fileName) else {
                scan.skipped.append(Finding(path: sidecarURL, reason: "its image \(fileName) is not listed"))
                continue
            }
            guard let text = try reads.text(sidecarURL, what: "fetching \(sidecarName)") else {
                scan.problems.append(Finding(path: sidecarURL, reason: "listed but not there (404)"))
                continue
            }
            let sidecar: ImageSidecar
            do {
                sidecar = try ImageSidecar.parse(text)
            } catch {
                scan.problems.append(
                    Finding(path: sidecarURL, reason: "not a readable sidecar: \(ErrorText.line(error))"))
                continue
            }
            guard sidecar.imageID != nil else {
                scan.skipped.append(
                    Finding(path: sidecarURL, reason: "the sidecar has no image_id, so nothing can name this image"))
                continue
            }
            let declared = sidecar.buildNumber.map(Int.init)
            let number = PublishedNames.numbered(fileName)?.buildNumber
            if let declared, let number, declared != number {
                scan.problems.append(
                    Finding(path: sidecarURL, reason: "its build_number is \(declared) but the file is build \(number)")
                )
                continue
            }
            scan.images.append(
                ImportedImage(
                    image: imageURL, sidecarPath: sidecarURL, sidecar: sidecar, file: nil,
                    publications: [
                        ImportedPublication(
                            target: directory.base, file: fileName, buildNumber: number,
                            evidence: "listed at \(directory.base)")
                    ]))
        }
        for name in listed.sorted() where isImage(name) && !names.contains(name + ".json") {
            scan.skipped.append(Finding(path: directory.url(name), reason: "no sidecar (\(name).json)"))
        }
        return scan
    }
}
