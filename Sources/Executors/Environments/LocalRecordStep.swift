import Foundation
import ReleaseStateMachine

/// The local side of a publication: the sidecar's `build_number`, and the numbered symbolic links
/// `<name>-<N>.<ext>` and `.json` beside the image that casa-distro users rely on.
public enum LocalRecordStep {
    public static func perform(_ intent: RecordPublicationIntent) throws -> RecordedLinks {
        try LocalFiles.writeAtomically(Data(intent.localSidecarContent.utf8), to: intent.localSidecar)
        var made: [String] = []
        var leftAlone: [String] = []
        for link in intent.links {
            // casa-distro crashed with FileExistsError after a successful upload; an earlier link
            // is replaced, but a regular file that someone put there is not ours to overwrite.
            if let status = LocalFiles.status(link.path), !status.isSymlink {
                leftAlone.append(link.path)
                continue
            }
            try LocalFiles.replaceSymlink(at: link.path, to: link.destination)
            made.append(link.path)
        }
        return RecordedLinks(links: made, leftAlone: leftAlone)
    }

    public static func reconcile(_ intent: RecordPublicationIntent) throws -> RecordedLinks? {
        guard let data = FileManager.default.contents(atPath: intent.localSidecar),
            data == Data(intent.localSidecarContent.utf8)
        else { return nil }
        var made: [String] = []
        var leftAlone: [String] = []
        for link in intent.links {
            if LocalFiles.symlinkDestination(link.path) == link.destination {
                made.append(link.path)
            } else if let status = LocalFiles.status(link.path), !status.isSymlink {
                leftAlone.append(link.path)
            } else {
                return nil
            }
        }
        return RecordedLinks(links: made, leftAlone: leftAlone)
    }
}
