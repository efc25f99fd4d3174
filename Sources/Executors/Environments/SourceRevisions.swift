import Foundation
import ReleaseStateMachine

/// The revisions of the source checkouts of a dev environment (`<env>/src`): git commits read
/// from the repositories' own files, svn revisions from `svn info`.
public enum SourceRevisions {
    /// Checkouts one or two levels below `sourceDirectory` (bv_maker lays them out as
    /// `src/<project>` or `src/<project>/<branch>`), sorted by path.
    public static func scan(_ sourceDirectory: String) -> [SourceRevision] {
        guard LocalFiles.isDirectory(sourceDirectory) else { return [] }
        var result: [SourceRevision] = []
        for first in children(sourceDirectory) {
            if let revision = revision(of: first) {
                result.append(revision)
                continue
            }
            for second in children(first) {
                if let revision = revision(of: second) { result.append(revision) }
            }
        }
        return result
    }

    private static func children(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted().map { directory + "/" + $0 }
            .filter(LocalFiles.isDirectory)
    }

    static func revision(of checkout: String) -> SourceRevision? {
        if LocalFiles.exists(checkout + "/.git") {
            guard let gitDirectory = gitDirectory(of: checkout) else {
                return SourceRevision(path: checkout, system: "git", revision: nil, note: "unreadable .git")
            }
            let commit = gitHead(gitDirectory)
            return SourceRevision(
                path: checkout, system: "git", revision: commit,
                note: commit == nil ? "HEAD does not name a commit" : nil)
        }
        if LocalFiles.isDirectory(checkout + "/.svn") {
            guard let svn = ProcessRunner.which("svn") else {
                return SourceRevision(path: checkout, system: "svn", revision: nil, note: "svn is not installed")
            }
            let info = try? ProcessRunner.capture([svn, "info", "--show-item", "revision", checkout])
            let revision = info.flatMap {
                $0.status == 0 ? $0.output.trimmingCharacters(in: .whitespacesAndNewlines) : nil
            }
            return SourceRevision(
                path: checkout, system: "svn", revision: revision, note: revision == nil ? "svn info failed" : nil)
        }
        return nil
    }

    /// `.git` is a directory, or a file `gitdir: PATH` (worktrees, submodules).
    private static func gitDirectory(of checkout: String) -> String? {
        let dotGit = checkout + "/.git"
        if LocalFiles.isDirectory(dotGit) { return dotGit }
        guard let text = try? String(contentsOfFile: dotGit, encoding: .utf8), text.hasPrefix("gitdir:") else {
            return nil
        }
        let path = text.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespacesAndNewlines)
        return path.hasPrefix("/") ? path : checkout + "/" + path
    }

    /// The commit HEAD points to: detached, a loose ref, or a packed ref (looked up in the common
    /// directory too, for worktrees).
    private static func gitHead(_ gitDirectory: String) -> String? {
        guard
            let head = try? String(contentsOfFile: gitDirectory + "/HEAD", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        else { return nil }
        guard head.hasPrefix("ref:") else { return isCommit(head) ? head : nil }
        let ref = head.dropFirst("ref:".count).trimmingCharacters(in: .whitespaces)
        var directories = [gitDirectory]
        if let common = try? String(contentsOfFile: gitDirectory + "/commondir", encoding: .utf8) {
            let path = common.trimmingCharacters(in: .whitespacesAndNewlines)
            directories.append(path.hasPrefix("/") ? path : gitDirectory + "/" + path)
        }
        for directory in directories {
            if let loose = try? String(contentsOfFile: directory + "/" + ref, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines), isCommit(loose)
            {
                return loose
            }
            if let packed = try? String(contentsOfFile: directory + "/packed-refs", encoding: .utf8) {
                for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
                    let commit = String(line.prefix { $0 != " " })
                    if isCommit(commit) { return commit }
                }
            }
        }
        return nil
    }

    private static func isCommit(_ text: String) -> Bool {
        (text.count == 40 || text.count == 64) && text.allSatisfy(\.isHexDigit)
    }
}
