import Foundation
import ReleaseStateMachine

/// Opening a file the operator named, for reading, only when it is a regular file: a FIFO would
/// block the open (or the read) for ever, a device would be read without end, and a directory
/// gives a confusing error much later. The open never blocks; the type is checked on what was
/// opened (`fstat`), so the file cannot be swapped between the check and the read.
public enum RegularFile {
    /// An open descriptor on `path`, which the caller closes. `what` names the file in errors
    /// ("the base image").
    public static func open(_ path: String, what: String = "") throws -> Int32 {
        let named = what.isEmpty ? path : "\(what) \(path)"
        let descriptor = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw ExecutorError.posix(.badInput, "cannot read", named) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            close(descriptor)
            throw ExecutorError.posix(.badInput, "cannot read", named, errno: code)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw ExecutorError(
                .badInput, "\(named) is not a regular file but \(kind(info.st_mode)); give the path of an image file")
        }
        // Reads of a regular file never block; the flag goes anyway, for those who read on.
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        return descriptor
    }

    /// The whole of a small file (a sidecar, a configuration): at most `limit` bytes, else an error.
    public static func read(_ path: String, what: String = "", limit: Int = 16 << 20) throws -> Data {
        let descriptor = try open(path, what: what)
        defer { close(descriptor) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = Glibc.read(descriptor, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else {
                throw ExecutorError.posix(.badInput, "cannot read", what.isEmpty ? path : "\(what) \(path)")
            }
            if count == 0 { return data }
            data.append(contentsOf: buffer[0..<count])
            guard data.count <= limit else {
                throw ExecutorError(
                    .badInput,
                    "\(what.isEmpty ? path : "\(what) \(path)") is larger than \(limit) bytes, which no such file is")
            }
        }
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFDIR: return "a directory"
        case S_IFSOCK: return "a socket"
        default: return "not a file"
        }
    }
}
