import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// Checks on an output file made before a run starts.
enum OutputFile {
    /// `existingIsChecked`: an existing output is not refused here, because the run compares it
    /// with what it would make (a download of the same file is up to date).
    static func check(_ outputPath: String, force: Bool, existingIsChecked: Bool = false) throws {
        let outputDirectory = (outputPath as NSString).deletingLastPathComponent
        guard LocalFiles.isDirectory(outputDirectory) else {
            throw CommandFailure(
                .cannotCreate, "cannot create \(outputPath): the directory \(outputDirectory) does not exist")
        }
        guard access(outputDirectory, W_OK) == 0 else {
            throw CommandFailure(
                .cannotCreate, "cannot create \(outputPath): the directory \(outputDirectory) is not writable")
        }
        if LocalFiles.exists(outputPath), !force, !existingIsChecked {
            throw CommandFailure(.cannotCreate, "\(outputPath) already exists; add force=yes to replace it")
        }
    }
}
