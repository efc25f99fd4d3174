import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// How `provenance TARGET` and `audit image=TARGET` find the image they are about.
enum ImageTarget {
    /// A local file is found by its recorded path, else by its bytes (a copy of a recorded
    /// image, moved or renamed); anything else is read as an image_id, a sha256 prefix, a
    /// published file name or a URL.
    static func resolve(_ text: String, in ledger: Ledger) throws -> ImageRecord {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw CommandFailure(.usage, "the image to look up is empty") }
        let reference = ImageReference.parse(trimmed)
        let local = Paths.absolute(trimmed)
        let isLocalFile: Bool
        switch reference {
        case .url: isLocalFile = false
        case .path: isLocalFile = true
        default: isLocalFile = LocalFiles.exists(local) && !LocalFiles.isDirectory(local)
        }
        guard isLocalFile else { return try ledger.image(reference) }
        do {
            return try ledger.image(.path(local))
        } catch LedgerError.unknownImage {
            guard LocalFiles.exists(local) else {
                throw CommandFailure(.badInput, "\(local) does not exist, and no image was recorded there")
            }
            guard !LocalFiles.isDirectory(local) else {
                throw CommandFailure(.usage, "\(local) is a directory, not an image")
            }
            let digests = try FileDigests.compute(path: local)
            do {
                return try ledger.image(.sha256Prefix(digests.sha256))
            } catch LedgerError.unknownImage {
                throw CommandFailure(
                    .usage,
                    "no image recorded in this ledger is \(local), nor has its sha256 \(digests.sha256) "
                        + "(made before casa-release? 'casa-release import \(FilePath.directory(local))' records it)")
            }
        }
    }
}
