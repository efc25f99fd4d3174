import Foundation
import ReleaseStateMachine

/// The provenance graph drawn by Graphviz's `dot` (Debian's graphviz, which casa-release
/// recommends): SVG, shown by the image page as a picture (an `<img>`, in which nothing runs).
public enum ProvenancePicture {
    /// The SVG, or nil when `dot` is not there or fails.
    public static func svg(_ graph: ProvenanceGraph, dot: String = "/usr/bin/dot") -> Data? {
        guard FileManager.default.isExecutableFile(atPath: dot) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dot)
        process.arguments = ["-Tsvg"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        // dot reads all of its input before it writes: the graph goes in, then the picture comes out.
        input.fileHandleForWriting.write(Data(ProvenanceDot.render(graph).utf8))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? data : nil
    }
}
