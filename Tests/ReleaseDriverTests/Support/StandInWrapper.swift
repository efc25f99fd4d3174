import Foundation
@testable import TestSupport

/// A stand-in of Tests/StandIns as one workspace's tool: a script at `path` that sets the
/// stand-in's variables (its state directory, its log) and runs it. Runs driven in process side
/// by side name their own wrapper in their `ToolSettings`, since they share one environment.
enum StandInWrapper {
    static func write(_ path: String, standIn: String, variables: [String: String]) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let exports = variables.sorted { $0.key < $1.key }.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        try Data(
            """
            #!/bin/sh
            export \(exports)
            exec '\(PackagePaths.standIns)/\(standIn)' "$@"

            """.utf8
        ).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    /// The calls a stand-in logged (one JSON object a line): each call's tool and arguments.
    static func calls(in log: String) throws -> [(tool: String, argv: [String])] {
        guard FileManager.default.fileExists(atPath: log) else { return [] }
        return try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map { line in
            let call = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return (call["tool"] as! String, call["argv"] as! [String])
        }
    }
}
