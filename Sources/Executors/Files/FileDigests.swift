import CProcessControl
import Foundation
import Hashing

import ReleaseStateMachine

extension FileDigests {
    /// Reads `path` once, in 1 MiB blocks, and hashes it; with `copyTo`, writes the same bytes to
    /// that file descriptor as they are read, so a copy costs one read.
    /// A file of `ProgressLines.threshold` bytes or more shows a progress line on a terminal.
    /// `label` names the line when the file read is a temporary one (default `hash <name>`, `copy <name>`).
    public static func compute(
        path: String, copyTo destination: Int32? = nil, label: String? = nil
    ) throws -> FileDigests {
        let source = try RegularFile.open(path)
        defer { close(source) }
        var info = stat()
        let expected = fstat(source, &info) == 0 ? Int64(info.st_size) : 0
        let progress =
            ProgressLines.enabled && expected >= ProgressLines.threshold
            ? TransferProgress(label: label ?? (destination == nil ? "hash " : "copy ") + FilePath.lastComponent(path))
            : nil
        defer { progress?.finish() }
        // A big file is hashed by SHA-256 on a second thread as MD5 hashes it here: one read,
        // the time of MD5 alone (SHA256Beside). A small one, here, without a thread.
        let beside = expected >= Self.twoThreadSize ? SHA256Beside() : nil
        var md5 = MD5()
        var sha256 = SHA256()
        var size: Int64 = 0
        let ownBuffer =
            beside == nil
            ? UnsafeMutableRawBufferPointer.allocate(byteCount: SHA256Beside.bufferSize, alignment: 16) : nil
        defer { ownBuffer?.deallocate() }
        do {
            while true {
                let (index, buffer) = beside?.nextBuffer() ?? (0, ownBuffer!)
                let count = read(source, buffer.baseAddress, buffer.count)
                if count <= 0 {
                    beside?.giveBack(index)
                    if count < 0, errno == EINTR { continue }
                    if count < 0 { throw ExecutorError.posix(.stepFailed, "cannot read", path) }
                    break
                }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                md5.update(bufferPointer: chunk)
                if let destination {
                    do {
                        try writeAll(destination, chunk, path: path)
                    } catch {
                        beside?.giveBack(index)
                        throw error
                    }
                }
                if let beside { beside.hand(index, count: count) } else { sha256.update(bufferPointer: chunk) }
                size += Int64(count)
                progress?.update(done: size, total: expected)
            }
        } catch {
            _ = beside?.finish()
            throw error
        }
        let sha256Digest = beside?.finish() ?? sha256.finalize()
        return FileDigests(size: size, md5: hex(md5.finalize()), sha256: hex(sha256Digest))
    }

    /// From this size on, SHA-256 runs on a thread of its own (a thread costs tens of
    /// microseconds, a MiB of MD5 about one and a half milliseconds).
    static let twoThreadSize: Int64 = 4 << 20

    /// The digests a step took of a file it wrote (`known`), while the file keeps the size and
    /// modification time it had then; otherwise (or without them) the file is read.
    public static func compute(
        path: String, unlessStill known: KnownDigests?, label: String? = nil
    ) throws -> FileDigests {
        if let known, let status = LocalFiles.status(path), status.size == known.size, status.modified == known.modified
        {
            return FileDigests(size: known.size, md5: known.md5, sha256: known.sha256)
        }
        return try compute(path: path, label: label)
    }

    /// `compute(path:)` with a copy of the file into `destination` made at the same time by the
    /// kernel (`copy_file_range`, on a second thread): the copy costs no user-space read or write
    /// and runs beside the hashing, instead of after each block of it. The copy is made from the
    /// file as it is read; the caller checks the file did not change meanwhile.
    public static func computeWhileCopying(path: String, to destination: Int32) throws -> FileDigests {
        let source = try RegularFile.open(path)
        let copy = KernelCopy(source: source, destination: destination, path: path)
        let copier = Thread { copy.run() }
        copier.start()
        let digests: FileDigests
        do {
            digests = try compute(path: path, label: "copy " + FilePath.lastComponent(path))
        } catch {
            copy.stop()
            copy.finished.wait()
            close(source)
            throw error
        }
        copy.finished.wait()
        close(source)
        if let failure = copy.failure { throw failure }
        return digests
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

/// A whole-file copy by the kernel, run on a thread of its own; a short write, a full disk or
/// a file system that cannot copy this way falls back to read and write.
private final class KernelCopy: @unchecked Sendable {
    let source: Int32
    let destination: Int32
    let path: String
    let finished = DispatchSemaphore(value: 0)
    private(set) var failure: Error?
    private let lock = NSLock()
    private var stopped = false

    init(source: Int32, destination: Int32, path: String) {
        self.source = source
        self.destination = destination
        self.path = path
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    func run() {
        defer { finished.signal() }
        var useKernel = true
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        // The pages written go to the disk as the copy goes on (each 64 MiB, without waiting):
        // the fsync that ends the copy then waits for the last ones only, not for the whole file
        // (0.6 s of a 1 GiB image's 3.5 s, measured). Advice only: a failure changes nothing.
        var written: Int64 = 0
        var flushedUpTo: Int64 = 0
        func wrote(_ count: Int) {
            written += Int64(count)
            if written - flushedUpTo >= 1 << 26 {
                _ = casa_start_writeback(destination, flushedUpTo, written - flushedUpTo)
                flushedUpTo = written
            }
        }
        while !isStopped {
            if useKernel {
                let copied = casa_copy_file_range(source, destination, 1 << 26)
                if copied > 0 {
                    wrote(copied)
                    continue
                }
                if copied == 0 { return }
                if errno == EINTR { continue }
                // EXDEV, EINVAL, ENOSYS, EOPNOTSUPP: this file system (or kernel) cannot; the
                // offsets are unchanged, so read and write take over from where the copy is.
                if [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP].contains(errno) {
                    useKernel = false
                    continue
                }
                failure = ExecutorError.posix(.cannotCreate, "cannot write the copy of", path)
                return
            }
            let count = read(source, buffer.baseAddress, buffer.count)
            if count < 0, errno == EINTR { continue }
            if count < 0 {
                failure = ExecutorError.posix(.stepFailed, "cannot read", path)
                return
            }
            if count == 0 { return }
            do {
                try FileDigests.writeAll(destination, UnsafeRawBufferPointer(rebasing: buffer[0..<count]), path: path)
                wrote(count)
            } catch {
                failure = error
                return
            }
        }
    }
}
