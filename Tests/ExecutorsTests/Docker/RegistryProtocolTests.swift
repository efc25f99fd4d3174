import Foundation
import Testing
@testable import Executors
import ReleaseStateMachine

/// What casa-release reads in a registry's answers: challenges, upload ranges, pages, errors.
@Suite struct RegistryProtocolTests {
    @Test func challengesAreRead() {
        let bearer = RegistryChallenge.parse(
            #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:cati/casa-run:pull,push",error="insufficient_scope""#
        )
        #expect(bearer?.scheme == .bearer)
        #expect(bearer?.realm == "https://auth.docker.io/token")
        #expect(bearer?.parameters["service"] == "registry.docker.io")
        #expect(bearer?.parameters["scope"] == "repository:cati/casa-run:pull,push")
        #expect(bearer?.parameters["error"] == "insufficient_scope")
        let basic = RegistryChallenge.parse(#"Basic realm="casa \"test\"""#)
        #expect(basic == RegistryChallenge(scheme: .basic, parameters: ["realm": #"casa "test""#]))
        #expect(RegistryChallenge.parse("Negotiate abc") == nil)
    }

    @Test func rangesPagesAndErrorsAreRead() {
        #expect(RegistryBlobUpload.receivedBytes("0-1048575") == 1 << 20)
        #expect(RegistryBlobUpload.receivedBytes(nil) == nil && RegistryBlobUpload.receivedBytes("bytes") == nil)
        #expect(
            RegistryClient.nextPage(#"</v2/cati/x/tags/list?n=1000&last=b>; rel="next""#)
                == "/v2/cati/x/tags/list?n=1000&last=b")
        #expect(RegistryClient.nextPage(#"</v2/x>; rel="prev""#) == nil)
        let body = Data(
            #"{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]}"#.utf8)
        #expect(RegistryErrors.codes(body) == ["DIGEST_INVALID"])
        #expect(RegistryErrors.summary(body) == "DIGEST_INVALID: provided digest did not match uploaded content")
        #expect(RegistryErrors.summary(Data("<html>\nbad gateway".utf8)) == "<html>")
    }

    @Test func loginsAreReadFromTheEnvironmentThenDockersFile() throws {
        let home = NSTemporaryDirectory() + "registry-login-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: home) }
        let registry = DockerRegistry(url: "http://127.0.0.1:5000", host: "127.0.0.1:5000")
        #expect(try RegistryLogin.find(for: registry, environment: ["HOME": home]) == nil)
        try FileManager.default.createDirectory(atPath: home + "/.docker", withIntermediateDirectories: true)
        let auth = Data("casa:pw:with:colons".utf8).base64EncodedString()
        try Data(
            #"{"auths": {"https://index.docker.io/v1/": {"auth": "\#(auth)"}, "127.0.0.1:5000": {"username": "u", "password": "p"}}}"#
                .utf8
        )
        .write(to: URL(fileURLWithPath: home + "/.docker/config.json"))
        let hub = try #require(try RegistryLogin.find(for: .dockerHub, environment: ["HOME": home]))
        #expect(hub.user == "casa" && hub.password == "pw:with:colons")
        #expect(try RegistryLogin.find(for: registry, environment: ["HOME": home])?.user == "u")
        let fromEnvironment = try RegistryLogin.find(
            for: registry,
            environment: ["HOME": home, "CASA_RELEASE_REGISTRY_USER": "e", "CASA_RELEASE_REGISTRY_PASSWORD": "x"])
        #expect(fromEnvironment?.user == "e" && fromEnvironment?.password == "x")
        try Data(#"{"credsStore": "secretservice"}"#.utf8).write(
            to: URL(fileURLWithPath: home + "/.docker/config.json"))
        #expect(throws: ExecutorError.self) { try RegistryLogin.find(for: registry, environment: ["HOME": home]) }
    }
}
