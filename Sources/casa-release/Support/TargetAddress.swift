import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// Where publications go: `target=`, else $CASA_RELEASE_PUBLISH_URL, else casa-distro's server
/// from $BRAINVISA_PUBLISH_LOGIN/SERVER/DIR.
enum TargetAddress {
    static func resolve(_ option: String?) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        for (value, name) in [
            (option, "target="), (environment["CASA_RELEASE_PUBLISH_URL"], "CASA_RELEASE_PUBLISH_URL"),
        ] {
            guard let value, !value.isEmpty else { continue }
            try URLArgument.check(value, option: name, schemes: ["sftp", "http", "https", "file"])
            return normalize(URLPasswords.rememberForThisProcess(value))
        }
        let login = environment["BRAINVISA_PUBLISH_LOGIN"].flatMap { $0.isEmpty ? nil : $0 } ?? "brainvisa"
        let server = environment["BRAINVISA_PUBLISH_SERVER"].flatMap { $0.isEmpty ? nil : $0 } ?? "brainvisa.info"
        var directory =
            environment["BRAINVISA_PUBLISH_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "/var/www/html/brainvisa.info_download"
        if !directory.hasPrefix("/") { directory = "/" + directory }
        if !directory.hasSuffix("/") { directory += "/" }
        return "sftp://\(login)@\(server)\(directory)"
    }

    /// A plain directory path becomes a file:// URL; a password in a URL is removed, because
    /// secrets never enter the ledger (`resolve` keeps it in memory for this process's transfers).
    static func normalize(_ address: String) -> String {
        guard URLArgument.looksLikeURL(address) else {
            let path = Paths.absolute(address)
            return "file://" + (path.hasSuffix("/") ? path : path + "/")
        }
        return URLRedaction.url(address)
    }

    /// Fails with a clear message (exit 73) when the target cannot take a publication, before
    /// anything is recorded or built.
    static func preflight(_ address: String, transfers: TransferOptions) throws {
        TemporaryNames.use(runID: RunLauncher.pendingRunID)
        do {
            try PublicationTargets.open(address, transfers: transfers.settings()).checkWritable()
        } catch let error as ExecutorError where error.kind == .temporary {
            // Before any run exists: there is nothing to resume, only the command to run again.
            throw CommandFailure(
                .temporaryFailure,
                "the target cannot be reached now (\(error.message)); nothing was recorded: run the same command again once it answers"
            )
        }
    }
}
