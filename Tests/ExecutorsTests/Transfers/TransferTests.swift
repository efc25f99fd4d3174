import Foundation
import Testing
@testable import Executors
import ReleaseStateMachine

@Suite struct DirectoryListingTests {
    @Test func nginxAutoindex() {
        let html = """
            <html><head><title>Index of /download/</title></head><body><h1>Index of /download/</h1><hr><pre><a href="../">../</a>
            <a href="attic/">attic/</a>                                             21-Nov-2026 02:36       -
            <a href="casa-run-5.4-1.sif">casa-run-5.4-1.sif</a>                     21-Nov-2026 02:15   3000000
            <a href="casa-run-5.4-1.sif.json">casa-run-5.4-1.sif.json</a>           21-Nov-2026 02:15       431
            <a href="casa%20with%20space-1.sif">casa with space-1.sif</a>
            </pre><hr></body></html>
            """
        #expect(
            DirectoryListing.names(html: html) == [
                "casa-run-5.4-1.sif", "casa-run-5.4-1.sif.json", "casa with space-1.sif",
            ])
    }

    @Test func apacheAutoindexWithSortLinksAndAbsoluteLinks() {
        let html = """
            <tr><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th></tr>
            <tr><td><a href="/">Parent Directory</a></td></tr>
            <tr><td><a href='casa-dev-5.4-2.sif'>casa-dev-5.4-2.sif</a></td></tr>
            <tr><td><a href="https://elsewhere.example/x.sif">x</a></td></tr>
            <tr><td><A HREF="casa-dev-5.4-2.sif">again</A></td></tr>
            """
        #expect(DirectoryListing.names(html: html) == ["casa-dev-5.4-2.sif"])
    }

    @Test func namesWithAControlCharacterAreLeftOut() {
        let html =
            #"<a href="casa-run-5.4-9%0A.sif">x</a><a href="casa-run-5.4-1%09.sif">y</a><a href="casa-run-5.4-2.sif">z</a>"#
        #expect(DirectoryListing.names(html: html) == ["casa-run-5.4-2.sif"])
    }
}

@Suite struct DownloadChoiceTests {
    let names = [
        "casa-run-5.4-1.sif", "casa-run-5.4-12.sif", "casa-run-5.4-3.sif", "casa-run-5.10-1.sif", "casa-run-5.9-8.sif",
        "casa-run-5.4-foo.sif", "casa-run-5.4-2.sif.json", "casa-dev-5.4-40.sif", "casa-run-5.4-7.ova",
        "casa-run-5.4.sif",
    ]

    @Test func highestBuildOfAVersion() {
        #expect(
            DownloadChoice.highest(names, type: "run", version: "5.4", fileExtension: "sif")?.filename
                == "casa-run-5.4-12.sif")
    }

    @Test func highestVersionComparesNumbers() {
        #expect(
            DownloadChoice.highest(names, type: "run", version: nil, fileExtension: "sif")?.filename
                == "casa-run-5.10-1.sif")
    }

    @Test func onlyCleanNamesAreCandidates() {
        let hostile = [
            "casa-run-5.4--9.sif", "casa-run--9.sif", "casa-run-5.4-09.sif", "casa-run-5.4-9\n.sif",
            "casa-run-5.4-\n9.sif",
            "casa-run-5.4-٩.sif", "casa-run-.sif", "casa-run--.sif", "casa-run-a/b-9.sif", "casa-run--5.4-9.sif",
            "casa-run-5.4.-9.sif",
        ]
        #expect(DownloadChoice.candidates(hostile, type: "run", fileExtension: "sif").isEmpty)
        #expect(
            DownloadChoice.highest(names + hostile, type: "run", version: nil, fileExtension: "sif")?.filename
                == "casa-run-5.10-1.sif")
        let clean = ["casa-run-ubuntu-24.04-0.sif", "casa-run-5.3-rc1-2.sif", "casa-run-5.4+local-3.sif"]
        #expect(
            DownloadChoice.candidates(clean, type: "run", fileExtension: "sif").map(\.version) == [
                "ubuntu-24.04", "5.3-rc1", "5.4+local",
            ])
    }

    @Test func theExtensionAndTypeMatter() {
        #expect(
            DownloadChoice.highest(names, type: "run", version: "5.4", fileExtension: "ova")?.filename
                == "casa-run-5.4-7.ova")
        #expect(DownloadChoice.highest(names, type: "dev", version: nil, fileExtension: "sif")?.buildNumber == 40)
        #expect(DownloadChoice.highest(names, type: "pixi", version: nil, fileExtension: "sif") == nil)
    }
}

@Suite struct TransferSettingsTests {
    @Test func backoffDoublesAndIsBounded() {
        var settings = TransferSettings(environment: [:])
        settings.firstRetryDelay = 1
        settings.maximumRetryDelay = 5
        #expect((1...5).map(settings.delay(beforeRetry:)) == [1, 2, 4, 5, 5])
    }

    @Test func theEnvironmentTunesRetries() {
        let settings = TransferSettings(environment: [
            "CASA_RELEASE_RETRY_DELAY": "0.25", "CASA_RELEASE_TRANSFER_ATTEMPTS": "3",
        ])
        #expect(settings.firstRetryDelay == 0.25)
        #expect(settings.attempts == 3)
    }

    @Test func retriesStopAfterTheLastAttemptWithATemporaryFailure() {
        var settings = TransferSettings(environment: [:])
        settings.attempts = 3
        settings.firstRetryDelay = 0
        settings.reportRetries = false
        var calls = 0
        #expect(throws: ExecutorError.self) {
            try TransferRetry.run("x", settings: settings) { _ in
                calls += 1
                throw CurlFailure(code: 7, message: "refused", kind: .temporary)
            }
        }
        #expect(calls == 3)
        calls = 0
        do {
            try TransferRetry.run("x", settings: settings) { _ in
                calls += 1
                throw CurlFailure(code: 9, message: "denied", kind: .cannotCreate)
            }
        } catch let error as ExecutorError {
            #expect(error.kind == .cannotCreate)
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(calls == 1, "a final failure is not retried")
    }

    @Test func sshKeysAreChosenInOrder() throws {
        let home = NSTemporaryDirectory() + "casa-release-home-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        #expect(throws: ExecutorError.self) {
            try SSHCredentials.resolve(TransferSettings(environment: ["HOME": home]))
        }
        _ = FileManager.default.createFile(atPath: home + "/.ssh/id_rsa", contents: Data())
        _ = FileManager.default.createFile(atPath: home + "/.ssh/id_ecdsa", contents: Data())
        #expect(
            try SSHCredentials.resolve(TransferSettings(environment: ["HOME": home])).privateKey == home
                + "/.ssh/id_ecdsa")
        #expect(
            try SSHCredentials.resolve(TransferSettings(environment: ["HOME": home, "SSH_AUTH_SOCK": "/tmp/agent"]))
                .useAgent)
        var explicit = TransferSettings(environment: ["HOME": home, "SSH_AUTH_SOCK": "/tmp/agent"])
        explicit.sshKey = home + "/.ssh/id_rsa"
        #expect(try SSHCredentials.resolve(explicit).privateKey == home + "/.ssh/id_rsa")
        #expect(try SSHCredentials.resolve(explicit).knownHosts == home + "/.ssh/known_hosts")
    }

    @Test func progressLine() {
        #expect(
            TransferProgress.line(label: "upload x.sif", done: 512 << 20, total: 1 << 30, elapsed: 4)
                == "upload x.sif  512.0 MiB / 1.0 GiB  128.0 MiB/s  0:04 left")
    }
}
