import Foundation
import Testing

@testable import Dashboard

/// `serve --mirror`: a directory listed as Apache lists it, read by casa-distro's rule (the text
/// of the links inside `<td>`, the first dropped), showing and serving only what is published
/// and only inside the directory.
@Suite struct MirrorListingTests {
    /// A mirror with published files, a directory, an upload in progress under a hidden name, a
    /// hostile name, a link inside and a link out.
    static func mirror() throws -> (listing: MirrorListing, directory: String) {
        let directory = NSTemporaryDirectory() + "mirror-listing-\(UUID().uuidString)"
        let files = FileManager.default
        try files.createDirectory(atPath: directory + "/tuf", withIntermediateDirectories: true)
        try files.createDirectory(atPath: directory + "/.hidden-directory", withIntermediateDirectories: true)
        for name in [
            "casa-run-5.4-1.sif", "casa-run-5.4-1.sif.json", ".casa-run-5.4-2.sif.casa-release-tmp-abc",
            "<b onmouseover=\"x\">&.sif", "tuf/1.root.json", ".hidden-directory/secret",
        ] {
            try Data(name.utf8).write(to: URL(fileURLWithPath: directory + "/" + name))
        }
        try files.createSymbolicLink(atPath: directory + "/latest.sif", withDestinationPath: "casa-run-5.4-1.sif")
        try files.createSymbolicLink(atPath: directory + "/outside", withDestinationPath: "/etc/hostname")
        try files.createSymbolicLink(atPath: directory + "/to-hidden", withDestinationPath: ".hidden-directory/secret")
        return (try #require(MirrorListing(directory: directory)), directory)
    }

    /// casa-distro's `url_listdir`: the text of each `<a>` inside a `<td>`, the first dropped.
    static func casaDistroNames(_ html: String) -> [String] {
        let links = html.matches(of: #/<td><a href="[^"]*">([^<]*)</a></td>/#).map { String($0.1) }
        return Array(links.dropFirst())
    }

    @Test func theListingIsWhatCasaDistrosClientReadsAndOnlyWhatIsPublished() throws {
        let (listing, directory) = try Self.mirror()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard case .listing(let html) = listing.answer("/mirror/") else {
            Issue.record("no listing")
            return
        }
        #expect(
            Self.casaDistroNames(html) == [
                "&lt;b onmouseover=&quot;x&quot;&gt;&amp;.sif", "casa-run-5.4-1.sif", "casa-run-5.4-1.sif.json",
                "latest.sif", "tuf/",
            ])
        #expect(html.contains(#"<a href="../">Parent Directory</a>"#))
        #expect(html.contains(#"href="%3Cb%20onmouseover%3D%22x%22%3E%26.sif""#))
        #expect(!html.contains("<b ") && !html.contains("hidden") && !html.contains("outside"))
        guard case .listing(let tuf) = listing.answer("/mirror/tuf/") else {
            Issue.record("no listing of tuf/")
            return
        }
        #expect(Self.casaDistroNames(tuf) == ["1.root.json"])
        #expect(tuf.contains("<title>Index of /mirror/tuf/</title>"))
    }

    @Test func filesAreServedOnlyInsideAndNeverUnderHiddenNames() throws {
        let (listing, directory) = try Self.mirror()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let real = listing.root
        #expect(listing.answer("/mirror/casa-run-5.4-1.sif") == .file(real + "/casa-run-5.4-1.sif"))
        #expect(listing.answer("/mirror/latest.sif") == .file(real + "/casa-run-5.4-1.sif"))
        #expect(
            listing.answer("/mirror/%3Cb%20onmouseover%3D%22x%22%3E%26.sif")
                == .file(real + "/<b onmouseover=\"x\">&.sif"))
        #expect(listing.answer("/mirror") == .redirect("/mirror/"))
        #expect(listing.answer("/mirror/tuf") == .redirect("/mirror/tuf/"))
        for refused in [
            "/mirror/.casa-run-5.4-2.sif.casa-release-tmp-abc", "/mirror/.hidden-directory/secret", "/mirror/to-hidden",
            "/mirror/outside", "/mirror/../etc/hostname", "/mirror/%2e%2e/etc/hostname", "/mirror/tuf/..%2f..%2fetc",
            "/mirror/tuf%2f1.root.json", "/mirror/casa-run-5.4-1.sif/", "/mirror/nothing", "/mirror/%00",
            "/mirrored/casa-run-5.4-1.sif",
        ] {
            #expect(listing.answer(refused) == .notFound, "\(refused)")
        }
    }

    @Test func sizesAndTimesAreWrittenAsApacheWritesThem() {
        #expect(MirrorListing.sizeText(0) == "0")
        #expect(MirrorListing.sizeText(1023) == "1023")
        #expect(MirrorListing.sizeText(1536) == "1.5K")
        #expect(MirrorListing.sizeText(50_000_000) == "48M")
        #expect(MirrorListing.sizeText(3 * 1024 * 1024 * 1024) == "3.0G")
        #expect(MirrorListing.modifiedText(Date(timeIntervalSince1970: 1_796_000_000)) == "2026-11-30 00:53")
        #expect(MirrorListing(directory: "/nonexistent/mirror") == nil)
    }
}
