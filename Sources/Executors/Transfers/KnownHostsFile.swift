import Foundation
import ReleaseStateMachine

/// A host key accepted with `accept_new_host_key=yes`, added to known_hosts the way OpenSSH
/// writes it: `[host]:port` for a server off port 22. (libcurl's own "add to file" writes the bare
/// host whatever the port, and rewrites the whole file; a bare entry then matches every server on
/// that address, and the second one is refused as a man in the middle.)
enum KnownHostsFile {
    /// The known_hosts line for `keyBlob` (the key in SSH wire format, which begins with its
    /// type's name) of the server at `host`:`port`; nil for a blob that does not parse.
    static func line(host: String, port: Int?, keyBlob: Data) -> String? {
        guard let type = keyType(keyBlob), !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "," }) else {
            return nil
        }
        let name = port.map { $0 == 22 ? host : "[\(host)]:\($0)" } ?? host
        return "\(name) \(type) \(keyBlob.base64EncodedString())\n"
    }

    /// The type name at the start of a key blob: a 32-bit big-endian length, then that many
    /// printable bytes (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`).
    static func keyType(_ blob: Data) -> String? {
        let bytes = [UInt8](blob.prefix(4 + 64))
        guard bytes.count > 4 else { return nil }
        let length = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length <= 64, bytes.count >= 4 + length else { return nil }
        let name = bytes[4..<(4 + length)]
        guard name.allSatisfy({ (0x21...0x7e).contains($0) }) else { return nil }
        return String(decoding: name, as: UTF8.self)
    }

    /// Appends `line` to the file, after a newline when the file does not end with one.
    static func append(_ line: String, to path: String) throws {
        let descriptor = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ExecutorError.posix(.cannotCreate, "cannot add the host key to", path) }
        defer { _ = close(descriptor) }
        var text = line
        let size = lseek(descriptor, 0, SEEK_END)
        if size > 0 {
            var last: UInt8 = 0
            if pread(descriptor, &last, 1, size - 1) == 1, last != UInt8(ascii: "\n") { text = "\n" + text }
        }
        let bytes = Data(text.utf8)
        try bytes.withUnsafeBytes { try FileDigests.writeAll(descriptor, $0, path: path) }
        guard fsync(descriptor) == 0 else { throw ExecutorError.posix(.cannotCreate, "cannot write", path) }
    }
}
