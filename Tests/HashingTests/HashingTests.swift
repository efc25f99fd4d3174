import Foundation
import Hashing
import Testing

/// SHA-256 and MD5 over libcrypto: the published test vectors, values that copy, pieces that add up
/// to the whole, and the same digests as coreutils' `sha256sum` and `md5sum` on random bytes.
@Suite struct HashingTests {
    static func hex(_ digest: [UInt8]) -> String { digest.map { String(format: "%02x", $0) }.joined() }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "d41d8cd98f00b204e9800998ecf8427e"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "900150983cd24fb0d6963f7d28e17f72"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "8215ef0796a20bcaaae116d3876c664a"
        ),
    ])
    func thePublishedVectors(_ text: String, _ sha256: String, _ md5: String) {
        #expect(Self.hex(SHA256.hash(data: Data(text.utf8))) == sha256)
        #expect(Self.hex(MD5.hash(data: Data(text.utf8))) == md5)
    }

    @Test func aMillionAs() {
        var hasher = SHA256()
        let block = Data(repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(data: block) }
        #expect(Self.hex(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// A copy hashes on its own; finalize leaves the hasher as it was.
    @Test func hashersAreValues() {
        var first = SHA256()
        first.update(data: Data("ab".utf8))
        var second = first
        second.update(data: Data("c".utf8))
        #expect(first.finalize() == SHA256.hash(data: Data("ab".utf8)))
        #expect(first.finalize() == first.finalize())
        #expect(second.finalize() == SHA256.hash(data: Data("abc".utf8)))
        first.update(data: Data("c".utf8))
        #expect(first.finalize() == second.finalize())
    }

    /// Random bytes fed in uneven pieces give what coreutils says of the whole file.
    @Test func theSameAsCoreutils() throws {
        let path = NSTemporaryDirectory() + "hashing-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        // From the kernel in one read: a byte-by-byte generator is slow in a debug build.
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        defer { try? random.close() }
        let bytes = try #require(try random.read(upToCount: (3 << 20) + 17))
        try bytes.write(to: URL(fileURLWithPath: path))
        var sha256 = SHA256()
        var md5 = MD5()
        var offset = 0
        var piece = 1
        while offset < bytes.count {
            let end = min(bytes.count, offset + piece)
            sha256.update(data: bytes[offset..<end])
            md5.update(data: bytes[offset..<end])
            offset = end
            piece = piece * 3 + 1
        }
        #expect(Self.hex(sha256.finalize()) == (try Self.firstWord(of: "/usr/bin/sha256sum", path)))
        #expect(Self.hex(md5.finalize()) == (try Self.firstWord(of: "/usr/bin/md5sum", path)))
    }

    static func firstWord(of tool: String, _ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = [path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }
}
