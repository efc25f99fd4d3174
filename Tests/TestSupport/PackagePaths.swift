import Foundation

/// Where the package's test material lives, found from this file so that any test target finds it.
public enum PackagePaths {
    /// The package's root: the nearest directory above this file that holds Package.swift.
    public static var root: String {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/",
            !FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path)
        {
            directory.deleteLastPathComponent()
        }
        return directory.path
    }

    /// The stand-ins of the tools that cannot run here (Tests/StandIns).
    public static var standIns: String { root + "/Tests/StandIns" }
}
