@testable import TestSupport

/// `casa-release serve` on a free port of 127.0.0.1, over a workspace's ledger, started as the
/// test servers are (TestServer) and stopped with the test; with `mirror`, a directory served
/// at `/mirror/` too.
final class ServedDashboard: TestServer {
    let workspace: Workspace
    let mirror: String?
    let binary: String
    var url: String { "http://127.0.0.1:\(port)/" }

    /// `binary`: another casa-release than the build's (one installed in a prefix).
    init(_ workspace: Workspace, mirror: String? = nil, binary: String = Workspace.binary) throws {
        self.workspace = workspace
        self.mirror = mirror
        self.binary = binary
        try super.init(directory: workspace.root + "/serve-\(UInt32.random(in: 0...UInt32.max))")
        try start()
    }

    override var command: [String] {
        [binary, "serve", "--listen", "127.0.0.1:\(port)"] + (mirror.map { ["--mirror", $0] } ?? [])
    }
    override var environment: [String: String]? { workspace.commandEnvironment() }
}
