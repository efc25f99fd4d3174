import CCurl
import Foundation

/// The libcurl linked into casa-release.
public enum CurlLibrary {
    /// libcurl's version string (`libcurl/7.88.1 OpenSSL/3.0.x ...`), recorded with every run for
    /// provenance: the transfers of a publication depend on it.
    public static var version: String {
        String(cString: curl_version())
    }
}
