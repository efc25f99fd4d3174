import Foundation
import Hashing
import ReleaseStateMachine

/// Summarises a directory tree for the record: entry count, total size of regular files, and a
/// SHA-256 over the sorted lines `<relative path>\t<size>\t<mode in octal>` (a link's size is its
/// target's length). Content is not read: an install tree is large, and a change of content
/// without a change of size or mode is what the image's own digest catches.
public enum TreeDigest {
    public static func summarize(_ root: String) throws -> TreeSummary {
        guard LocalFiles.isDirectory(root) else { throw ExecutorError(.badInput, "\(root) is not a directory") }
        var lines: [String] = []
        var total: Int64 = 0
        guard let enumerator = FileManager.default.enumerator(atPath: root) else {
            throw ExecutorError.posix(.badInput, "cannot list", root)
        }
        // A tree of many files takes a while to walk: the line counts the bytes listed so far.
        let progress = ProgressLines.enabled ? TransferProgress(label: "digest \(FilePath.lastComponent(root))") : nil
        defer { progress?.finish() }
        while let relative = enumerator.nextObject() as? String {
            var info = stat()
            guard lstat(root + "/" + relative, &info) == 0 else { continue }
            let mode = info.st_mode
            if (mode & S_IFMT) == S_IFREG { total += Int64(info.st_size) }
            lines.append("\(relative)\t\(info.st_size)\t\(String(mode, radix: 8))")
            if total >= ProgressLines.threshold { progress?.update(done: total, total: 0) }
        }
        lines.sort()
        var hash = SHA256()
        for line in lines { hash.update(data: Data((line + "\n").utf8)) }
        return TreeSummary(fileCount: lines.count, totalSize: total, sha256: Hex.encode(hash.finalize()))
    }
}
