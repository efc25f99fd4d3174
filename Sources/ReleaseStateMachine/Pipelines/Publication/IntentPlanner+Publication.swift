import Foundation

extension IntentPlanner {
    /// The intents of the publication steps (inspect-image to record), nil for the others.
    static func publicationIntent(for name: StepName, in state: RunState, started: RunStarted) throws -> StepIntent? {
        let parameters = started.parameters
        switch name {
        case .inspectImage:
            let publication = try require(parameters.publication, name, "publication parameters")
            return .publication(
                .inspectImage(InspectImageIntent(image: publication.image, sidecarPath: publication.sidecar)))

        case .checkTarget:
            let publication = try require(parameters.publication, name, "publication parameters")
            let image = try require(state.image, name, "a described image")
            return .publication(
                .checkTarget(
                    CheckTargetIntent(
                        target: publication.target, names: names(of: image),
                        imageID: try require(image.imageID, name, "the image's image_id"), md5: image.md5)))

        case .claimBuildNumber:
            let publication = try require(parameters.publication, name, "publication parameters")
            let image = try require(state.image, name, "a described image")
            let check = try require(state.targetCheck, name, "the target check")
            let claim = ImageSidecar(members: [
                JSONMember("status", .string("claimed")),
                JSONMember("claimed_by_run", .string(started.runID)),
                JSONMember("image_id", image.imageID.map(JSONValue.string) ?? .null),
            ])
            return .publication(
                .claimBuildNumber(
                    ClaimBuildNumberIntent(
                        target: publication.target, names: names(of: image),
                        firstCandidate: (check.highestBuildNumber ?? 0) + 1, claimContent: claim.rendered,
                        runID: started.runID)))

        case .uploadImage:
            let (publication, image, number) = try publicationInputs(name, state)
            return .publication(
                .uploadImage(
                    UploadImageIntent(
                        target: publication.target, source: image.image,
                        temporaryName: names(of: image).temporaryImage(number, token: token(started.runID)),
                        size: image.size, sha256: image.sha256)))

        case .uploadSidecar:
            let (publication, image, number) = try publicationInputs(name, state)
            return .publication(
                .uploadSidecar(
                    UploadSidecarIntent(
                        target: publication.target, sidecarName: names(of: image).sidecar(number),
                        content: publishedSidecar(image, number))))

        case .attestProvenance:
            let (publication, image, number) = try publicationInputs(name, state)
            return .publication(
                .attestProvenance(
                    AttestProvenanceIntent(
                        target: publication.target, attestationName: names(of: image).attestation(number),
                        statement: try statementToSign(state, started, image, name),
                        imageSHA256: image.sha256,
                        signingKey: try require(publication.signingKey, name, "a signing key"),
                        keyID: try require(publication.signingKeyID, name, "the signing key's id"))))

        case .updateMirror:
            let (publication, image, number) = try publicationInputs(name, state)
            let names = names(of: image)
            return .publication(
                .updateMirror(
                    UpdateMirrorIntent(
                        target: publication.target, image: names.image(number), imageSize: image.size,
                        imageSHA256: image.sha256,
                        companions: [names.sidecar(number)] + (state.attestation.map { [$0.name] } ?? []),
                        buildNumber: number, imageID: image.imageID, runID: started.runID,
                        publishedEvent: state.step(.makeVisible)?.settledAtVersion,
                        signingKey: try require(publication.signingKey, name, "a signing key"),
                        keyID: try require(publication.signingKeyID, name, "the signing key's id"))))

        case .verifyUpload:
            let (publication, image, number) = try publicationInputs(name, state)
            let names = names(of: image)
            return .publication(
                .verifyUpload(
                    VerifyUploadIntent(
                        target: publication.target,
                        temporaryName: names.temporaryImage(number, token: token(started.runID)),
                        size: image.size, sidecarName: names.sidecar(number),
                        sidecarContent: publishedSidecar(image, number))))

        case .makeVisible:
            let (publication, image, number) = try publicationInputs(name, state)
            let names = names(of: image)
            return .publication(
                .makeVisible(
                    MakeVisibleIntent(
                        target: publication.target,
                        temporaryName: names.temporaryImage(number, token: token(started.runID)),
                        finalName: names.image(number), size: image.size)))

        case .record:
            let (_, image, number) = try publicationInputs(name, state)
            let names = names(of: image)
            let directory = FilePath.directory(image.image)
            var links: [LocalLink] = []
            // casa-distro makes the numbered links only when the published name differs.
            if names.image(number) != FilePath.lastComponent(image.image) {
                links = [
                    LocalLink(path: directory + "/" + names.image(number), destination: image.image),
                    LocalLink(path: directory + "/" + names.sidecar(number), destination: image.sidecarPath),
                ]
            }
            return .publication(
                .recordPublication(
                    RecordPublicationIntent(
                        localSidecar: image.sidecarPath, localSidecarContent: publishedSidecar(image, number),
                        links: links)
                ))

        default:
            return nil
        }
    }

    /// What a signed publication signs: the statement the ledger gave when the run started (an
    /// image another run made), else the statement of the image this run made, from its record.
    private static func statementToSign(
        _ state: RunState, _ started: RunStarted, _ image: ImageDescription, _ name: StepName
    ) throws -> String {
        if let statement = started.chosen.provenanceStatement { return statement }
        guard let output = started.pipeline.pipeline.outputs(of: state).first(where: { $0.path == image.image })
        else { throw PlanningError.missingInput(step: name, needs: "the provenance statement to sign") }
        do {
            return try SLSAStatement(run: state, output: output).signedBytes
        } catch {
            throw PlanningError.missingInput(step: name, needs: "the provenance of \(image.image): \(error)")
        }
    }

    private static func publicationInputs(
        _ name: StepName, _ state: RunState
    ) throws -> (PublicationParameters, ImageDescription, Int) {
        (
            try require(state.parameters?.publication, name, "publication parameters"),
            try require(state.image, name, "a described image"),
            try require(state.buildNumber, name, "a claimed build number")
        )
    }
}
