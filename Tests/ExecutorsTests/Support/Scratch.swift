import Foundation
import Testing
@testable import Executors
import ReleaseStateMachine

/// The package's root: the nearest directory above this file that holds Package.swift.
let packageRoot: String = {
    var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while directory.path != "/",
        !FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path)
    {
        directory.deleteLastPathComponent()
    }
    return directory.path
}()

/// A scratch directory for one test, removed at the end.
final class Scratch {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "casa-release-executors-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }
    var target: LocalDirectoryTarget { LocalDirectoryTarget(url: URL(fileURLWithPath: path)) }
}
