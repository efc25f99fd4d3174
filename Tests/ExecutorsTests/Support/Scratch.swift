import Foundation
import Testing
@testable import Executors
import ReleaseStateMachine

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
