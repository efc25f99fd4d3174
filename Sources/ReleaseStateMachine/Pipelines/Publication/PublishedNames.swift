import Foundation

/// The names a publication uses on the target, in casa-distro's flat layout:
/// `<stem>-<N>.<ext>` and `<stem>-<N>.<ext>.json`, clients taking the highest N.
public struct PublishedNames: Codable, Equatable, Sendable {
    /// The image's file name without its extension: `casa-system-ubuntu-24.04`.
    public var stem: String
    /// The image's extension without the dot: `sif`, `ova`.
    public var fileExtension: String

    public init(stem: String, fileExtension: String) {
        self.stem = stem
        self.fileExtension = fileExtension
    }

    /// The names for a local image file name (`casa-system-ubuntu-24.04.sif`).
    public init(imageFileName: String) {
        if let dot = imageFileName.lastIndex(of: "."), dot != imageFileName.startIndex {
            stem = String(imageFileName[..<dot])
            fileExtension = String(imageFileName[imageFileName.index(after: dot)...])
        } else {
            stem = imageFileName
            fileExtension = ""
        }
    }

    private var dottedExtension: String { fileExtension.isEmpty ? "" : "." + fileExtension }

    /// The image's file name before numbering: `casa-system-ubuntu-24.04.sif`.
    public var fileName: String { stem + dottedExtension }

    public func image(_ buildNumber: Int) -> String { "\(stem)-\(buildNumber)\(dottedExtension)" }
    public func sidecar(_ buildNumber: Int) -> String { image(buildNumber) + ".json" }
    /// The signed provenance beside the image (in-toto's attestation bundle: one DSSE envelope a line).
    public func attestation(_ buildNumber: Int) -> String { image(buildNumber) + ".intoto.jsonl" }

    /// Where the image is uploaded before it is renamed into place: hidden (leading dot) and
    /// outside the pattern clients list, and unique to the run.
    public func temporaryImage(_ buildNumber: Int, token: String) -> String {
        ".\(image(buildNumber)).\(token).part"
    }

    /// The N of a published sidecar name of this image, or nil for any other name. Names that look
    /// alike but are not numbered (`<stem>-foo.sif.json`) are ignored, not a crash as in casa-distro.
    public func buildNumber(ofSidecar fileName: String) -> Int? {
        let prefix = stem + "-"
        let suffix = dottedExtension + ".json"
        guard fileName.hasPrefix(prefix), fileName.hasSuffix(suffix),
            fileName.count > prefix.count + suffix.count
        else { return nil }
        let digits = fileName.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), digits.first != "0" else { return nil }
        return Int(digits)
    }

    /// The N of a published image name of this image (`<stem>-<N>.<ext>`), or nil.
    public func buildNumber(ofImage fileName: String) -> Int? {
        buildNumber(ofSidecar: fileName + ".json")
    }

    /// A published file name split into the image's names and N: `casa-run-5.4-3.sif` is
    /// `casa-run-5.4.sif` published as build 3. Nil for a name without a trailing `-<N>`.
    public static func numbered(_ fileName: String) -> (names: PublishedNames, buildNumber: Int)? {
        let plain = PublishedNames(imageFileName: fileName)
        guard let dash = plain.stem.lastIndex(of: "-"), dash != plain.stem.startIndex else { return nil }
        let names = PublishedNames(stem: String(plain.stem[..<dash]), fileExtension: plain.fileExtension)
        return names.buildNumber(ofImage: fileName).map { (names, $0) }
    }
}
