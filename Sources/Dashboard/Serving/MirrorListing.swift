import Foundation

/// A local publication target served at `/mirror/` the way the BrainVISA download site serves
/// it: files as they are, directories as Apache's autoindex table, the only listing
/// casa-distro's client reads (the text of the links inside `<td>`, the first one, Parent
/// Directory, dropped; nginx's `<pre>` autoindex shows it nothing). For tests and for a mirror
/// on a laptop; a real download site is Apache's own (docs/dashboard.md).
///
/// Only what is published is shown: names beginning with `.` (uploads in progress, under their
/// hidden names) are neither listed nor served, `..` never leaves the directory, and a symbolic
/// link is followed only when it ends inside it.
public struct MirrorListing: Sendable {
    /// The path the mirror is served under.
    public static let prefix = "/mirror/"

    /// The directory served, as its real path.
    public let root: String

    /// Nil when `directory` is not a directory.
    public init?(directory: String) {
        var isDirectory: ObjCBool = false
        guard let real = Self.realPath(directory),
            FileManager.default.fileExists(atPath: real, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            return nil
        }
        root = real
    }

    /// What a request path asks of the mirror.
    public enum Answer: Equatable, Sendable {
        /// A directory's listing, as HTML.
        case listing(String)
        /// A file, by its real path.
        case file(String)
        /// A directory asked without its final `/`: the same with it (relative links need it).
        case redirect(String)
        case notFound
    }

    /// Whether `encodedPath` (as sent, percent-encoded) is the mirror's.
    public static func serves(_ encodedPath: String) -> Bool {
        encodedPath == "/mirror" || encodedPath.hasPrefix(prefix)
    }

    /// The answer to `encodedPath`, one of the mirror's paths.
    public func answer(_ encodedPath: String) -> Answer {
        guard Self.serves(encodedPath) else { return .notFound }
        let inside = encodedPath.dropFirst("/mirror".count)
        var names: [String] = []
        for part in inside.split(separator: "/", omittingEmptySubsequences: true) {
            guard let name = String(part).removingPercentEncoding, !name.isEmpty, !name.hasPrefix("."),
                !name.contains("/"), !name.contains("\0")
            else { return .notFound }
            names.append(name)
        }
        // (A link may lead elsewhere in the directory, never out of it nor to a hidden name.)
        guard let real = Self.realPath(([root] + names).joined(separator: "/")),
            real == root || real.hasPrefix(root + "/"),
            !real.dropFirst(root.count).split(separator: "/").contains(where: { $0.hasPrefix(".") })
        else { return .notFound }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: real, isDirectory: &isDirectory) else { return .notFound }
        guard isDirectory.boolValue else {
            return encodedPath.hasSuffix("/") ? .notFound : .file(real)
        }
        let shown = "/mirror/" + names.map { HTML.segment($0) + "/" }.joined()
        guard encodedPath.hasSuffix("/") else { return .redirect(shown) }
        guard let entries = try? Self.entries(of: real, within: root) else { return .notFound }
        return .listing(Self.html(title: "/mirror/" + names.map { $0 + "/" }.joined(), entries: entries))
    }

    /// The path with every symbolic link resolved (realpath(3)); nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// One row of a listing.
    public struct Entry: Equatable, Sendable {
        public var name: String
        public var isDirectory: Bool
        public var size: Int64
        public var modified: Date

        public init(name: String, isDirectory: Bool, size: Int64, modified: Date) {
            self.name = name
            self.isDirectory = isDirectory
            self.size = size
            self.modified = modified
        }
    }

    /// The entries of a directory that are shown: not hidden, by name.
    static func entries(of directory: String, within root: String) throws -> [Entry] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }.sorted()
            .compactMap { name in
                // What a link leads to, as it is served: a link that leads out is not listed.
                guard let path = realPath(directory + "/" + name), path.hasPrefix(root + "/"),
                    !path.dropFirst(root.count).split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
                else { return nil }
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                return Entry(
                    name: name, isDirectory: isDirectory.boolValue,
                    size: (attributes[.size] as? NSNumber)?.int64Value ?? 0,
                    modified: attributes[.modificationDate] as? Date ?? Date(timeIntervalSince1970: 0))
            }
    }

    /// Apache's autoindex table (its "fancy" listing, with the icons' alternative texts and no
    /// images): a header row, Parent Directory, then a row for each entry.
    public static func html(title: String, entries: [Entry]) -> String {
        var rows = [
            "<tr><th valign=\"top\">[ICO]</th><th>Name</th><th>Last modified</th><th>Size</th><th>Description</th></tr>",
            "<tr><th colspan=\"5\"><hr></th></tr>",
            "<tr><td valign=\"top\">[PARENTDIR]</td><td><a href=\"../\">Parent Directory</a></td><td>&nbsp;</td><td align=\"right\">  - </td><td>&nbsp;</td></tr>",
        ]
        for entry in entries {
            let name = entry.name + (entry.isDirectory ? "/" : "")
            let link = HTML.segment(entry.name) + (entry.isDirectory ? "/" : "")
            rows.append(
                "<tr><td valign=\"top\">\(entry.isDirectory ? "[DIR]" : "[   ]")</td>"
                    + "<td><a href=\"\(link)\">\(HTML.escape(name))</a></td>"
                    + "<td align=\"right\">\(modifiedText(entry.modified))  </td>"
                    + "<td align=\"right\">\(entry.isDirectory ? "  - " : sizeText(entry.size))</td><td>&nbsp;</td></tr>"
            )
        }
        rows.append("<tr><th colspan=\"5\"><hr></th></tr>")
        return """
            <!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
            <html>
             <head>
              <title>Index of \(HTML.escape(title))</title>
             </head>
             <body>
            <h1>Index of \(HTML.escape(title))</h1>
              <table>
               \(rows.joined(separator: "\n   "))
            </table>
            </body></html>

            """
    }

    /// `2026-12-06 04:55`, in UTC, as Apache writes it (in its server's zone).
    static func modifiedText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    /// Apache's short sizes: bytes, then K, M, G with one decimal below 10.
    static func sizeText(_ size: Int64) -> String {
        if size < 1024 { return String(size) }
        var value = Double(size)
        for unit in ["K", "M", "G", "T"] {
            value /= 1024
            if value < 1024 || unit == "T" {
                return String(format: value < 10 ? "%.1f" : "%.0f", value) + unit
            }
        }
        return String(size)
    }
}
