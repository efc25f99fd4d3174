import Foundation
import Testing
@testable import ReleaseStateMachine

@Suite struct PlannerTests {
    @Test func aFreshRunStartsWithResolveBase() throws {
        let action = try RunPlanner.nextAction(Fixture.state(Fixture.leased()))
        #expect(
            action
                == .start(
                    .resolveBase,
                    .systemImage(
                        .resolveBase(
                            ResolveBaseIntent(baseDirectory: "/casa", explicitBase: nil, pattern: "*ubuntu-*.sif")))
                ))
    }

    @Test func anIndeterminateStepIsReconciledBeforeAnythingElse() throws {
        let state = Fixture.state(
            Fixture.leased() + [
                Fixture.stepStarted(.resolveBase),
                .leaseAcquired(LeaseAcquired(holder: Fixture.otherHolder, takenOverFrom: Fixture.holder)),
            ])
        #expect(try RunPlanner.nextAction(state) == .reconcile(.resolveBase, Fixture.intent))
    }

    @Test func publicationStepsAreSkippedWithoutPublish() throws {
        let state = Fixture.state(
            Fixture.leased() + [
                Fixture.stepStarted(.resolveBase), Fixture.stepSucceeded(.resolveBase),
                Fixture.stepStarted(.copy), Fixture.stepSucceeded(.copy),
                Fixture.stepStarted(.describe), Fixture.stepSucceeded(.describe),
            ])
        #expect(try RunPlanner.nextAction(state) == .skip(.checkTarget, reason: "publish=no"))
    }

    @Test func theCopyIntentIsDeterministic() throws {
        let state = Fixture.state(
            Fixture.leased() + [Fixture.stepStarted(.resolveBase), Fixture.stepSucceeded(.resolveBase)])
        let first = try IntentPlanner.intent(for: .copy, in: state)
        #expect(first == (try IntentPlanner.intent(for: .copy, in: state)))
        guard case .systemImage(.copyImage(let copy)) = first else { Issue.record("not a copy"); return }
        #expect(copy.destination == "/casa/casa-system-ubuntu-24.04.sif")
        #expect(copy.temporary == "/casa/.casa-system-ubuntu-24.04.sif.0c1d2e3f0000.part")
        #expect(copy.replace == false)
    }

    @Test func theDescribeIntentCarriesTheChosenImageID() throws {
        let state = Fixture.state(
            Fixture.leased() + [Fixture.stepStarted(.resolveBase), Fixture.stepSucceeded(.resolveBase)])
        guard case .systemImage(.describeImage(let describe)) = try IntentPlanner.intent(for: .describe, in: state)
        else {
            Issue.record("not describe"); return
        }
        #expect(describe.imageID == "11111111-2222-4333-8444-555555555555")
        #expect(
            describe.sidecar.members.map(\.key) == [
                "name", "type", "system", "container_type", "creation_time", "image_version", "origin", "compatibility",
            ])
    }

    @Test func aStepWithoutItsInputsIsAPlanningError() {
        #expect(throws: PlanningError.missingInput(step: .copy, needs: "the resolved base")) {
            try IntentPlanner.intent(for: .copy, in: Fixture.state(Fixture.leased()))
        }
    }

    @Test func frozenInputsAreTheBaseUntilCopied() {
        let resolvedOnly = Fixture.state(
            Fixture.leased() + [Fixture.stepStarted(.resolveBase), Fixture.stepSucceeded(.resolveBase)])
        #expect(
            RunPlanner.frozenInputs(resolvedOnly) == [
                FrozenInput(role: "base image", path: "/casa/ubuntu-24.04.sif", size: 10, modified: 5)
            ])
        #expect(RunPlanner.frozenInputs(Fixture.state(Fixture.leased())).isEmpty)
    }
}

@Suite struct NamingTests {
    @Test(arguments: [
        ("ubuntu-24.04.sif", "ubuntu-24.04"),
        ("ubuntu-22.04.sif", "ubuntu-22.04"),
        ("lubuntu-22.04.1-desktop-amd64.iso", "ubuntu-22.04"),
        ("debian-12.5.sif", "debian-12.5"),
    ])
    func systemFromBaseName(_ name: String, _ system: String) {
        #expect(SystemName.derive(fromBaseFileName: name) == system)
    }

    @Test func aNameWithoutDashHasNoSystem() {
        #expect(SystemName.derive(fromBaseFileName: "noble.sif") == nil)
    }

    @Test func publishedNames() {
        let names = PublishedNames(imageFileName: "casa-system-ubuntu-24.04.sif")
        #expect(names.image(3) == "casa-system-ubuntu-24.04-3.sif")
        #expect(names.sidecar(3) == "casa-system-ubuntu-24.04-3.sif.json")
        #expect(names.buildNumber(ofSidecar: "casa-system-ubuntu-24.04-12.sif.json") == 12)
        #expect(names.buildNumber(ofSidecar: "casa-system-ubuntu-24.04-foo.sif.json") == nil)
        #expect(names.buildNumber(ofSidecar: "casa-system-ubuntu-24.04-1.sif") == nil)
        #expect(names.buildNumber(ofSidecar: "casa-run-5.4-1.sif.json") == nil)
        #expect(names.temporaryImage(3, token: "abc").hasPrefix("."))
    }
}

@Suite struct SidecarTests {
    /// casa-distro's run image sidecar, as json.dump(indent=4) writes it.
    static let casaDistroText = """
        {
            "name": "casa-run-5.3",
            "type": "run",
            "origin": "ubuntu-22.04.sif",
            "compatibility": [
                "0b4c2e7e-5a7f-4f59-9f55-1b6f3c2d9e01"
            ],
            "hidden": true,
            "ratio": 0.5,
            "note": "caf\\u00e9 \\"quoted\\"",
            "size": 1473527808,
            "build_number": 3
        }
        """

    @Test func renderingIsByteForByteCasaDistros() throws {
        let sidecar = try ImageSidecar.parse(Self.casaDistroText)
        #expect(sidecar.rendered == Self.casaDistroText)
        #expect(sidecar["note"]?.stringValue == "café \"quoted\"")
        #expect(sidecar.buildNumber == 3)
    }

    @Test func settingKeepsOrderAndAppendsNewKeys() throws {
        let sidecar = try ImageSidecar.parse(#"{"b": 1, "a": 2}"#)
        #expect(sidecar.setting("b", .integer(5)).members.map(\.key) == ["b", "a"])
        #expect(sidecar.setting("build_number", .integer(1)).members.map(\.key) == ["b", "a", "build_number"])
    }

    @Test(arguments: ["", "[1]", "{\"a\": }", "{\"a\": 1", "{\"a\" 1}", "{\"a\": tru}", "{\"a\": 1} x"])
    func malformedSidecarsAreRefused(_ text: String) {
        #expect(throws: (any Error).self) { try ImageSidecar.parse(text) }
    }

    @Test func parseErrorsSayWhere() {
        do {
            _ = try JSONParser.parse("{\n  \"a\": ,\n}")
            Issue.record("parsed")
        } catch let error as JSONParseError {
            #expect(error.line == 2)
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func orderSurvivesTheLedger() throws {
        let sidecar = try ImageSidecar.parse(Self.casaDistroText)
        let data = try JSONEncoder().encode(sidecar)
        #expect(try JSONDecoder().decode(ImageSidecar.self, from: data) == sidecar)
    }
}
