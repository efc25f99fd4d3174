import Executors
import Foundation
import ReleaseDriver
import ReleaseStateMachine

/// A URL given on the command line (`target=`, `url=`, `iso_url=`), checked before anything is
/// opened or recorded: a scheme casa-release speaks, a host for the network ones and none for
/// file://. A wrong one is a usage error (exit 64), said in one line.
enum URLArgument {
    /// Whether `value` is written as a URL (`scheme:` in front) rather than a path.
    static func looksLikeURL(_ value: String) -> Bool {
        guard let colon = value.firstIndex(of: ":"), let first = value.first, first.isASCII, first.isLetter else {
            return false
        }
        return value[..<colon].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) }
    }

    /// Checks `value`, given as `option` (`target=`), against the `schemes` it may use;
    /// `orPath`: what a plain path there means ("a directory path"), when one is taken.
    static func check(_ value: String, option: String, schemes: [String], orPath: String? = "a directory path") throws {
        let spoken = schemes.map { $0 + "://" }.joined(separator: ", ") + (orPath.map { " or " + $0 } ?? "")
        guard let colon = value.firstIndex(of: ":") else { return }
        let scheme = value[..<colon].lowercased()
        guard schemes.contains(scheme) else {
            throw CommandFailure(.usage, "\(option) takes \(spoken); \(scheme): URLs are not supported ('\(value)')")
        }
        guard value[colon...].hasPrefix("://"), let components = URLComponents(string: value) else {
            throw CommandFailure(.usage, "\(option) is not a well-formed \(scheme):// URL: '\(value)'")
        }
        let host = components.host ?? ""
        if scheme == "file" {
            guard host.isEmpty || host.lowercased() == "localhost", components.user == nil, components.port == nil
            else {
                throw CommandFailure(
                    .usage,
                    "\(option): a file:// URL names a file on this machine (file:///PATH); '\(URLRedaction.url(value))' names a host"
                )
            }
        } else if host.isEmpty {
            throw CommandFailure(
                .usage, "\(option): '\(URLRedaction.url(value))' names no host (\(scheme)://HOST/DIR/)")
        }
    }
}
