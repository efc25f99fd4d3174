import Foundation
import ReleaseStateMachine

/// Every temporary name a run makes carries the run's token (`IntentPlanner.token`), locally and
/// on the target: a leftover of a killed process is then known for the run's own, and resume,
/// rollback and completion sweep it, and only it: another run's temporaries, or anybody else's
/// files, never match.
public enum TemporaryNames {
    nonisolated(unsafe) private static var runToken: String?

    /// The run this process works for from now on (one run per process).
    public static func use(runID: String) {
        runToken = IntentPlanner.token(runID)
    }

    /// The token in temporary names: the run's, or `pid<N>` outside a run.
    static var tag: String { runToken ?? "pid\(getpid())" }

    /// The hidden name of the write probe of a network target.
    static var probeName: String { ".casa-release-probe-\(tag)" }

    /// The hidden directory, on a target that cannot list hidden files, that holds the
    /// temporaries of the run (or process) with token `token`: `WebDAVTarget`.
    static func stagingDirectory(of token: String) -> String { ".casa-release-\(token)" }

    /// Whether `name` is a temporary of the run with token `token`: hidden, and carrying the token
    /// as a whole dotted or dashed part (`.<file>.<token>.tmp`, `.<file>.<token>.part`, the
    /// server's `.<file>.<token>.part.<random>`, `.casa-release-probe-<token>`).
    static func isTemporary(_ name: String, of token: String) -> Bool {
        guard name.hasPrefix(".") else { return false }
        return name.contains(".\(token).") || name.hasSuffix("-\(token)")
    }

    /// Removes this run's temporaries from the directories of every local path the run's intents
    /// name; returns the paths removed. `keepingUploads` spares hidden uploads (`.part`) that a
    /// resumed step goes on from.
    public static func sweepLocal(runID: String, intents: [StepIntent], keepingUploads: Bool) -> [String] {
        let token = IntentPlanner.token(runID)
        var removed: [String] = []
        for directory in localDirectories(intents) {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            for name in names.sorted() where isTemporary(name, of: token) {
                if keepingUploads, name.hasSuffix(".part") { continue }
                let path = (directory as NSString).appendingPathComponent(name)
                guard let status = LocalFiles.status(path), status.isRegular || status.isSymlink else { continue }
                if unlink(path) == 0 { removed.append(path) }
            }
        }
        return removed
    }

    /// Removes this run's temporaries from the publication target; returns the names removed.
    public static func sweepTarget(runID: String, on target: PublicationTarget, keepingUploads: Bool) throws -> [String]
    {
        let token = IntentPlanner.token(runID)
        var removed: [String] = []
        for name in try target.list().sorted() where isTemporary(name, of: token) {
            if keepingUploads, name.hasSuffix(".part") { continue }
            try target.remove(name)
            removed.append(name)
        }
        if !keepingUploads { try target.discardTemporaryArea(token: token) }
        return removed
    }

    /// The directories of the absolute paths found anywhere in the intents.
    static func localDirectories(_ intents: [StepIntent]) -> [String] {
        var directories = Set<String>()
        func collect(_ value: Any) {
            switch value {
            case let text as String where text.hasPrefix("/") && !text.contains("\n"):
                let directory = (text as NSString).deletingLastPathComponent
                if !directory.isEmpty { directories.insert(directory) }
            case let array as [Any]: array.forEach(collect)
            case let object as [String: Any]: object.values.forEach(collect)
            default: break
            }
        }
        for intent in intents {
            guard let data = try? JSONEncoder().encode(intent),
                let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            else { continue }
            collect(value)
        }
        return directories.sorted()
    }
}
