import Foundation
import ReleaseStateMachine

/// The seed's step 2: the Ubuntu ISO is there, or is downloaded (resumable, as download-image
/// does) when a URL is given; either way checked against the SHA-256 given for it.
enum ISOProvision {
    static func provide(
        path: String, url: String?, sha256: String?, transfers: TransferSettings
    ) throws -> VirtualBoxEffect {
        var resumedFrom: Int64?
        let digests: FileDigests
        if LocalFiles.exists(path) {
            digests = try check(path, sha256: sha256, deleteOnMismatch: false)
        } else {
            guard let url else {
                throw ExecutorError(
                    .badInput, "the ISO \(path) does not exist; put it there, or give iso_url= to download it")
            }
            let partial = path + ".part"
            resumedFrom = try ImageDownload.fetchFile(url, into: partial, transfers: transfers)
            // Hashed once: the rename keeps the bytes.
            digests = try check(partial, sha256: sha256, deleteOnMismatch: true)
            try LocalFiles.putInPlace(partial, at: path, replace: false)
        }
        return VirtualBoxEffect(
            file: FileFacts(path: path, size: digests.size, sha256: digests.sha256, url: url, resumedFrom: resumedFrom))
    }

    static func reconcile(path: String, url: String?, sha256: String?) throws -> VirtualBoxEffect? {
        guard LocalFiles.exists(path), let digests = try? check(path, sha256: sha256, deleteOnMismatch: false) else {
            return nil
        }
        return VirtualBoxEffect(file: FileFacts(path: path, size: digests.size, sha256: digests.sha256, url: url))
    }

    /// The file's digests, after checking its SHA-256 when one is expected. A download that does
    /// not match is deleted, so the next try starts over; a file the operator put there is not.
    @discardableResult
    private static func check(_ path: String, sha256: String?, deleteOnMismatch: Bool) throws -> FileDigests {
        let digests = try FileDigests.compute(path: path)
        if let sha256, digests.sha256 != sha256.lowercased() {
            if deleteOnMismatch { try LocalFiles.remove(path) }
            throw ExecutorError(
                .badInput,
                "\(path) has sha256 \(digests.sha256), not the \(sha256) given by iso_sha256="
                    + (deleteOnMismatch ? "; the download was deleted" : ""))
        }
        return digests
    }
}
