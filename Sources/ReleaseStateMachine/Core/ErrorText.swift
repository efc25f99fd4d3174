import Foundation

/// Any error as one line for the operator. Foundation's own errors print, by default, as
/// `Error Domain=NSCocoaErrorDomain Code=4 "(null)" UserInfo={...}`: here they become the path
/// and the system's reason (`/x/y: No such file or directory`), and a decoding error says where
/// in the document it went wrong.
public enum ErrorText {
    public static func line(_ error: Error) -> String {
        let text: String
        switch error {
        case let error as DecodingError:
            text = decoding(error)
        case let described as CustomStringConvertible where !isFoundationError(error):
            text = described.description
        default:
            text = foundation(error as NSError)
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// Text from outside (a definition's tag, a server's file name) as a message may show it: in
    /// single quotes, control characters written as escapes (`\n`, `\u{1b}`), so that what a
    /// file holds can neither cut the one-line message nor drive the terminal.
    public static func shown(_ text: String) -> String {
        var shown = "'"
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": shown += "\\n"
            case "\r": shown += "\\r"
            case "\t": shown += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                shown += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: shown.unicodeScalars.append(scalar)
            }
        }
        return shown + "'"
    }

    /// A Foundation error, by its path and its POSIX cause when it has them.
    private static func foundation(_ error: NSError) -> String {
        let path = (error.userInfo[NSFilePathErrorKey] as? String) ?? (error.userInfo[NSURLErrorKey] as? URL)?.path
        var reason: String
        if error.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(error.code)))
        } else if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain
        {
            reason = String(cString: strerror(Int32(underlying.code)))
        } else if error.domain == NSCocoaErrorDomain, let known = cocoaReasons[error.code] {
            reason = known
        } else {
            reason = error.localizedDescription
        }
        if reason.isEmpty || reason.contains("(null)") { reason = "failed (\(error.domain) \(error.code))" }
        return path.map { "\($0): \(reason)" } ?? reason
    }

    /// The reasons of Foundation's file and data errors that have no POSIX cause attached.
    private static let cocoaReasons: [Int: String] = [
        CocoaError.fileNoSuchFile.rawValue: "no such file",
        CocoaError.fileReadNoSuchFile.rawValue: "no such file",
        CocoaError.fileReadNoPermission.rawValue: "permission denied",
        CocoaError.fileReadCorruptFile.rawValue: "not in a readable format",
        CocoaError.fileReadInapplicableStringEncoding.rawValue: "not valid text (UTF-8)",
        CocoaError.fileReadTooLarge.rawValue: "too large to read",
        CocoaError.fileReadUnknown.rawValue: "cannot be read",
        CocoaError.fileWriteNoPermission.rawValue: "permission denied",
        CocoaError.fileWriteOutOfSpace.rawValue: "no space left on the device",
        CocoaError.fileWriteVolumeReadOnly.rawValue: "the file system is read-only",
        CocoaError.fileWriteFileExists.rawValue: "already exists",
        CocoaError.fileWriteInvalidFileName.rawValue: "not a valid file name",
        CocoaError.fileWriteUnknown.rawValue: "cannot be written",
        CocoaError.fileLocking.rawValue: "is locked",
        CocoaError.propertyListReadCorrupt.rawValue: "not valid JSON",
    ]

    private static func isFoundationError(_ error: Error) -> Bool {
        error is CocoaError || error is POSIXError || error is URLError || type(of: error) is NSError.Type
    }

    private static func decoding(_ error: DecodingError) -> String {
        func place(_ path: [CodingKey]) -> String {
            path.isEmpty
                ? "at the top"
                : "at " + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(place(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context): return "\(place(context.codingPath)): a \(type) is missing"
        case .keyNotFound(let key, let context):
            return "\(place(context.codingPath)): the key \"\(key.stringValue)\" is missing"
        case .dataCorrupted(let context): return "\(place(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "cannot be decoded"
        }
    }
}
