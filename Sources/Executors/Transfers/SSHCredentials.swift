import Foundation

/// Which key logs in to an sftp:// server, and where its host key is checked: the key from
/// `ssh_key=`, else the ssh agent when SSH_AUTH_SOCK is set, else the first of ~/.ssh/id_ed25519,
/// id_ecdsa, id_rsa; host keys are always checked against ~/.ssh/known_hosts.
public struct SSHCredentials: Equatable, Sendable {
    public var privateKey: String?
    public var publicKey: String?
    public var useAgent: Bool
    public var knownHosts: String

    public static let defaultKeyNames = ["id_ed25519", "id_ecdsa", "id_rsa"]

    public static func resolve(_ settings: TransferSettings) throws -> SSHCredentials {
        let sshDirectory = (settings.home as NSString).appendingPathComponent(".ssh")
        let knownHosts = (sshDirectory as NSString).appendingPathComponent("known_hosts")
        if let key = settings.sshKey {
            guard LocalFiles.exists(key) else {
                throw ExecutorError(.badInput, "the ssh key \(key) given with ssh_key= does not exist")
            }
            return SSHCredentials(
                privateKey: key, publicKey: publicKey(of: key), useAgent: false, knownHosts: knownHosts)
        }
        if let socket = settings.environment["SSH_AUTH_SOCK"], !socket.isEmpty {
            return SSHCredentials(privateKey: nil, publicKey: nil, useAgent: true, knownHosts: knownHosts)
        }
        for name in defaultKeyNames {
            let key = (sshDirectory as NSString).appendingPathComponent(name)
            if LocalFiles.exists(key) {
                return SSHCredentials(
                    privateKey: key, publicKey: publicKey(of: key), useAgent: false, knownHosts: knownHosts)
            }
        }
        throw ExecutorError(
            .unavailable,
            "no ssh key to log in with: no agent (SSH_AUTH_SOCK is not set) and none of \(defaultKeyNames.map { "~/.ssh/" + $0 }.joined(separator: ", ")); give one with ssh_key=PATH"
        )
    }

    /// libssh2 derives the public key from the private one when no `.pub` file is beside it.
    private static func publicKey(of privateKey: String) -> String? {
        LocalFiles.exists(privateKey + ".pub") ? privateKey + ".pub" : nil
    }
}
