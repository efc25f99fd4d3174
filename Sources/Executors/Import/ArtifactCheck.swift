import Foundation
import ReleaseStateMachine

/// Whether a recorded local file is still what the ledger says: `casa-release verify --artifacts`.
public enum ArtifactCheck {
    public enum Finding: Equatable, Sendable {
        case intact
        case missing
        case changed(String)
    }

    /// Checks `path` against what was recorded: its digests when the ledger has them (the file is
    /// read once), else its size. A sidecar must still read as a sidecar of the same image_id.
    public static func check(
        path: String, role: String, imageID: String?, size: Int64?, md5: String?, sha256: String?
    ) -> Finding {
        guard let status = LocalFiles.status(path) else { return .missing }
        if role == "sidecar" {
            guard let data = FileManager.default.contents(atPath: path),
                let sidecar = try? ImageSidecar.parse(String(decoding: data, as: UTF8.self))
            else {
                return .changed("it no longer reads as a sidecar")
            }
            if let imageID, sidecar.imageID != imageID {
                return .changed("its image_id is \(sidecar.imageID ?? "gone"), was \(imageID)")
            }
            return .intact
        }
        if md5 != nil || sha256 != nil {
            guard let digests = try? FileDigests.compute(path: path) else { return .changed("it cannot be read") }
            if let sha256, digests.sha256 != sha256 { return .changed("sha256 \(digests.sha256), was \(sha256)") }
            if let md5, digests.md5 != md5 { return .changed("md5 \(digests.md5), was \(md5)") }
            return .intact
        }
        if let size, status.size != size { return .changed("\(status.size) bytes, was \(size)") }
        return .intact
    }
}
