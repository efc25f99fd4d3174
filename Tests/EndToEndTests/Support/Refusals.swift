import Testing

/// Runs casa-release in `workspace`, expects `status`, a single line on standard error containing
/// `message`, and no run recorded.
func expectRefusal(
    _ workspace: Workspace, _ arguments: [String], status: Int32, message: String,
    environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let runsBefore = try workspace.runIDs()
    let result = try workspace.run(arguments, environment: environment)
    #expect(result.status == status, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
    let lines = result.stderr.split(separator: "\n")
    #expect(lines.count == 1, "one line, not: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains(message), "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(try workspace.runIDs() == runsBefore, "no run recorded", sourceLocation: sourceLocation)
}
