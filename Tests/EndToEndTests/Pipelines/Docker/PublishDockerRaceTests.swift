import Foundation
import Testing
import ReleaseLedger
import ReleaseStateMachine
@testable import TestSupport

/// Two publishers that share no ledger push different builds of one image to one registry at
/// once, 50 times: whatever the interleaving, a publish-docker that exits 0 printed only numbered
/// tags that point at its own digest, one that exits otherwise printed nothing as published, and
/// no claim is left behind. Before numbered tags were claimed, a `<tag>-<N>` first pointed at the
/// loser's image in 5 rounds of 22, and once the publisher that exited 0 had none of its own.
@Suite struct PublishDockerRaceTests {
    static let rounds = 50

    /// A base directory with its own ledger and its own build of casa-run:5.4 (`marker` in it).
    static func publisher(_ marker: String) throws -> Workspace {
        let workspace = try Workspace()
        try workspace.makeBusyboxBase()
        try workspace.defineRun(marker: marker)
        let built = try workspace.run(["create-docker", "image_names=casa-run:*", "casa_version=5.4"])
        guard built.status == 0 else { throw TestServerError.failed("create-docker: \(built.stderr)") }
        return workspace
    }

    /// The references a publish-docker printed as published (`published HOST/cati/…:A, HOST/cati/…:B sha256:…`).
    static func printedAsPublished(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").flatMap { line -> [String] in
            guard let range = line.range(of: "published ") else { return [] }
            return line[range.upperBound...].split(separator: " ").map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: ","))
            }
            .filter { !$0.hasPrefix("sha256:") && !$0.isEmpty }
        }
    }

    @Test func twoPublishersAtOnceNeverShowEachOthersImageUnderTheirNumber() async throws {
        try await onItsOwnThread(.early) {
            let publishers = [try Self.publisher("first"), try Self.publisher("second")]
            let digests = try publishers.map { try $0.skopeoDigest("cati/casa-run:5.4") }
            #expect(digests[0] != digests[1])
            let registry = try RegistryServer(directory: publishers[0].root + "/registry")
            var wins = [0, 0]
            var failures = [0, 0]
            for round in 1...Self.rounds {
                let processes = try publishers.map {
                    try $0.start(["publish-docker", "registry=\(registry.url)", "force=yes"])
                }
                let outputs = processes.map { process -> (Int32, String, String) in
                    let stdout = String(
                        decoding: (process.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile(),
                        as: UTF8.self)
                    let stderr = String(
                        decoding: (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(),
                        as: UTF8.self
                    )
                    process.waitUntilExit()
                    return (process.terminationStatus, stdout, stderr)
                }
                for (index, (status, stdout, stderr)) in outputs.enumerated() {
                    let printed = Self.printedAsPublished(stdout)
                    if status == 0 {
                        wins[index] += 1
                        let numbered = printed.filter { $0.hasPrefix(registry.host + "/cati/casa-run:5.4-") }
                        #expect(numbered.count == 1, "round \(round), publisher \(index): \(stdout)")
                        for reference in numbered {
                            let tag = String(reference.dropFirst(registry.host.count + 1))
                            #expect(
                                try publishers[0].registryDigest(registry, tag) == digests[index],
                                "round \(round): publisher \(index) exited 0 and printed \(reference), which must show its image"
                            )
                        }
                    } else {
                        failures[index] += 1
                        #expect(
                            printed.isEmpty,
                            "round \(round), publisher \(index) failed (\(status)) and printed \(printed): \(stderr)")
                        #expect(status == 1 || status == 75, "round \(round), publisher \(index): \(stderr)")
                    }
                }
                let claims = try publishers[0].registryTags(registry, "cati/casa-run").filter { $0.contains(".claim-") }
                #expect(claims.isEmpty, "round \(round): claims left: \(claims)")
            }
            print("publish-docker race: \(Self.rounds) rounds, wins \(wins), failures \(failures)")
        }
    }
}
