import Crypto
import Foundation

import ReleaseStateMachine

extension FileDigests {
    /// Reads `path` once, in 1 MiB blocks, and hashes it; with `copyTo`, writes the same bytes to
    /// that file descriptor as they are read, so a copy costs one read.
    /// A file of `ProgressLines.threshold` bytes or more shows a progress line on a terminal.
    /// `label` names the line when the file read is a temporary one (default `hash <name>`, `copy <name>`).
    public static func compute(path: String, copyTo destination: Int32? = nil, label: String? = nil) throws -> FileDigests {
        let source = try RegularFile.open(path)
        defer { close(source) }
        var info = stat()
        let expected = fstat(source, &info) == 0 ? Int64(info.st_size) : 0
        let progress = ProgressLines.enabled && expected >= ProgressLines.threshold
            ? TransferProgress(label: label ?? (destination == nil ? "hash " : "copy ") + FilePath.lastComponent(path)) : nil
        defer { progress?.finish() }
        var md5 = Insecure.MD5()
        var sha256 = SHA256()
        var size: Int64 = 0
        let bufferSize = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(source, buffer.baseAddress, bufferSize)
            if count < 0 {
                if errno == EINTR { continue }
                throw ExecutorError.posix(.stepFailed, "cannot read", path)
            }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            md5.update(bufferPointer: chunk)
            sha256.update(bufferPointer: chunk)
            if let destination { try writeAll(destination, chunk, path: path) }
            size += Int64(count)
            progress?.update(done: size, total: expected)
        }
        return FileDigests(size: size, md5: hex(md5.finalize()), sha256: hex(sha256.finalize()))
    }

    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw ExecutorError.posix(.cannotCreate, "cannot write the copy of", path)
            }
            offset += written
        }
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        Hex.encode(digest)
    }
}


extension FileDigests {
    /// The SHA-256 state after the first `prefix` bytes of `path`, for an upload that goes on
    /// from there and must still end with the digest of the whole file.
    static func sha256(path: String, prefix: Int64) throws -> SHA256 {
        var hasher = SHA256()
        guard prefix > 0 else { return hasher }
        let source = try RegularFile.open(path)
        defer { close(source) }
        let bufferSize = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var remaining = prefix
        while remaining > 0 {
            let count = read(source, buffer.baseAddress, Int(min(Int64(bufferSize), remaining)))
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw ExecutorError.posix(.badInput, "cannot read", path) }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            remaining -= Int64(count)
        }
        return hasher
    }
}
