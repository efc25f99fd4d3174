import Foundation

/// The file names in a web server's directory index (nginx autoindex, Apache's mod_autoindex):
/// the targets of its links that name a file in the same directory. Parent links, subdirectories,
/// sort links (`?C=N;O=D`), links elsewhere and names with a control character in them are left
/// out; names are percent-decoded.
public enum DirectoryListing {
    public static func names(html: String) -> [String] {
        var names: [String] = []
        var seen = Set<String>()
        var rest = html[...]
        while let hrefRange = rest.range(of: "href=", options: .caseInsensitive) {
            rest = rest[hrefRange.upperBound...]
            guard let quote = rest.first, quote == "\"" || quote == "'" else { continue }
            let value = rest.dropFirst().prefix { $0 != quote }
            rest = rest.dropFirst(value.count + 1)
            guard let name = fileName(String(value)), seen.insert(name).inserted else { continue }
            names.append(name)
        }
        return names
    }

    private static func fileName(_ href: String) -> String? {
        let unescaped = href.replacingOccurrences(of: "&amp;", with: "&")
        guard !unescaped.isEmpty, !unescaped.hasPrefix("?"), !unescaped.hasPrefix("#"), !unescaped.hasSuffix("/"),
            !unescaped.contains("://"), !unescaped.hasPrefix("/")
        else { return nil }
        let path = unescaped.split(separator: "?", maxSplits: 1).first.map(String.init) ?? unescaped
        guard let decoded = path.removingPercentEncoding, !decoded.contains("/"), decoded != ".", decoded != "..",
            !decoded.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return decoded
    }
}
