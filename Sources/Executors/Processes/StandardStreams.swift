import Foundation

/// Writing to standard error so that a closed pipe or a lost terminal never stops a
/// release: the bytes go with `write(2)`, and a write that fails (EPIPE, EIO) is dropped. A run
/// must end and be recorded the same whether anyone still reads what it prints. (Foundation's
/// `FileHandle.write` traps on such an error; SIGPIPE itself is ignored by `main`.)
public enum StandardStreams {
    public static func error(_ text: String) {
        write(STDERR_FILENO, text)
    }

    private static func write(_ descriptor: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
