import ArgumentParser
import Executors
import Foundation

/// Options of every command that may reach a server: how to log in, whether to trust a new host
/// key, how long to insist, and whether to show progress.
struct TransferOptions: ParsableArguments {
    @Option(
        name: .customLong("ssh-key"),
        help:
            "The private key for sftp:// (default: the ssh agent when SSH_AUTH_SOCK is set, else ~/.ssh/id_ed25519, id_ecdsa, id_rsa)."
    )
    var sshKey: String?

    @Option(
        name: .customLong("accept-new-host-key"),
        help:
            "yes: accept an sftp server's host key that ~/.ssh/known_hosts does not have, and add it there. A changed key is always refused."
    )
    var acceptNewHostKey = StrictBool(false)

    @Option(
        name: .customLong("retries"),
        help:
            "How many times a transfer is retried after a transient failure before giving up with exit 75 (default 4).")
    var retries: Int?

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "No progress lines and no retry notices.")
    var quiet = false

    func validate() throws {
        if let retries, retries < 0 { throw ValidationError("retries must be 0 or more, not \(retries)") }
        if let sshKey, sshKey.isEmpty { throw ValidationError("ssh_key= needs a path") }
    }

    /// The ssh key as given, made absolute: it is recorded with a publication so that `resume`
    /// logs in the same way.
    var sshKeyPath: String? { sshKey.map(Paths.absolute) }

    /// The settings for this process. `recordedSSHKey` is the key a run recorded; the option wins.
    func settings(recordedSSHKey: String? = nil) -> TransferSettings {
        var settings = TransferSettings()
        settings.sshKey = sshKeyPath ?? recordedSSHKey
        settings.acceptNewHostKey = acceptNewHostKey.value
        settings.showProgress = !quiet && isatty(STDERR_FILENO) == 1
        settings.reportRetries = !quiet
        if let retries { settings.attempts = retries + 1 }
        return settings
    }

    /// Progress lines on a terminal without --quiet; --json keeps standard error for one final line.
    func progressShown(json: Bool) -> Bool {
        settings().showProgress && !json
    }
}
