import Foundation
import Testing
import ReleaseStateMachine

@Suite struct ErrorTextTests {
    @Test func foundationErrorsAreAPathAndAReason() {
        let missing = CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: "/srv/x.sif"])
        #expect(ErrorText.line(missing) == "/srv/x.sif: no such file")
        let posix = NSError(
            domain: NSCocoaErrorDomain, code: CocoaError.fileWriteUnknown.rawValue,
            userInfo: [
                NSFilePathErrorKey: "/srv/y",
                NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC)),
            ])
        #expect(ErrorText.line(posix) == "/srv/y: No space left on device")
        #expect(!ErrorText.line(NSError(domain: "Elsewhere", code: 3)).contains("UserInfo"))
    }

    @Test func decodingErrorsSayWhere() throws {
        struct Shape: Decodable { var size: Int }
        do {
            _ = try JSONDecoder().decode(Shape.self, from: Data(#"{"size": "x"}"#.utf8))
            Issue.record("decoded")
        } catch {
            #expect(ErrorText.line(error) == "at size: expected Int")
        }
    }

    @Test func ourOwnErrorsKeepTheirWords() {
        do {
            _ = try ImageSidecar.parse(#"{"name": "x", "size": -1}"#)
            Issue.record("parsed")
        } catch {
            #expect(ErrorText.line(error) == "\"size\" must be a non-negative integer, not -1")
        }
    }
}
