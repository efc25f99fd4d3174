import Foundation

/// How casa-release talks to servers: credentials, patience, and whether to show progress. Made
/// once by the command line from its options and environment, then handed to every target.
public struct TransferSettings: Sendable {
    /// `ssh_key=PATH`: the private key for sftp://, instead of the agent or ~/.ssh/id_*.
    public var sshKey: String?
    /// Accept a host key that known_hosts does not have yet, and add it there. A key that differs
    /// from the recorded one is refused whatever this says.
    public var acceptNewHostKey = false
    /// Progress lines on standard error (the command line sets it only for a terminal without --quiet).
    public var showProgress = false
    /// A line on standard error before each retry (off with --quiet).
    public var reportRetries = true
    /// How many times a transfer is tried before the step gives up with a temporary failure.
    public var attempts = 5
    // (4 retries after the first try; `retries=N` and CASA_RELEASE_TRANSFER_ATTEMPTS change it.)
    /// The wait before the first retry, doubled at each retry up to `maximumRetryDelay`.
    public var firstRetryDelay: Double = 1
    public var maximumRetryDelay: Double = 30
    /// Seconds to open a connection.
    public var connectTimeout = 30
    /// A transfer slower than 1 byte/s for this many seconds is cut and retried.
    public var stallTimeout = 60
    /// The environment, for SSH_AUTH_SOCK, HOME and CURL_CA_BUNDLE.
    public var environment: [String: String]
    /// Passwords from URLs this process was given (`target=`, `url=`, `CASA_RELEASE_PUBLISH_URL`).
    public var passwords: URLPasswords

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
        passwords = URLPasswords.forThisProcess
        if let url = environment["CASA_RELEASE_PUBLISH_URL"], !url.isEmpty { _ = passwords.remember(url) }
        if let delay = environment["CASA_RELEASE_RETRY_DELAY"].flatMap(Double.init), delay >= 0 {
            firstRetryDelay = delay
        }
        if let attempts = environment["CASA_RELEASE_TRANSFER_ATTEMPTS"].flatMap(Int.init), attempts >= 1 {
            self.attempts = attempts
        }
        if let stall = environment["CASA_RELEASE_STALL_TIMEOUT"].flatMap(Int.init), stall >= 1 {
            stallTimeout = stall
        }
    }

    /// The home directory whose `.ssh` holds keys and known_hosts.
    var home: String {
        environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    }

    /// The file of logins curl reads (`machine HOST login USER password SECRET`): `$HOME/.netrc`.
    var netrc: String { (home as NSString).appendingPathComponent(".netrc") }

    /// The delay before retry number `retry` (1 for the first): exponential, bounded.
    public func delay(beforeRetry retry: Int) -> Double {
        min(maximumRetryDelay, firstRetryDelay * pow(2, Double(retry - 1)))
    }
}
