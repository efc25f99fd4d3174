import Foundation
import ReleaseStateMachine

/// Files put into a running guest through the guest additions (`guestcontrol`): the install tree
/// of a user image, and `/casa/image_id`. Each leaves something reconcile can read back.
enum GuestFiles {
    /// The marker a copied tree leaves in its guest directory: the host tree's digest.
    static let treeMarker = ".casa-release-tree"

    static func copyTree(
        _ settings: VirtualMachineSettings, tree: String, archive: String, guestDirectory: String,
        profileLine: String?, _ vbox: VirtualBoxManager
    ) throws -> VirtualBoxEffect {
        try requireRunning(settings.name, vbox)
        let summary = try TreeDigest.summarize(tree)
        guard let tar = ProcessRunner.which("tar") else { throw ExecutorError(.unavailable, "tar is not on the PATH") }
        try LocalFiles.createDirectories(FilePath.directory(archive))
        // tar writes the archive: its size against the tree's is how far it is.
        let watch =
            summary.totalSize >= ProgressLines.threshold
            ? ProgressWatch.start(label: "archive \(FilePath.lastComponent(tree))") {
                (LocalFiles.status(archive)?.size ?? 0, summary.totalSize)
            } : nil
        let archived = try ProcessRunner.run([tar, "-cf", archive, "-C", tree, "."], logPath: vbox.logPath)
        watch?.finish()
        guard archived == 0 else {
            throw ExecutorError(.stepFailed, "cannot archive \(tree) into \(archive)")
        }
        defer { try? LocalFiles.remove(archive) }
        let staging = GuestAccount.stagingDirectory
        let staged = staging + "/" + FilePath.lastComponent(archive)
        let directory = quoted(guestDirectory)
        try root(
            vbox, settings, "mkdir -p \(quoted(staging)) \(directory) && chmod 1777 \(quoted(staging))",
            what: "preparing \(guestDirectory) in the guest")
        try vbox.guestCopy(
            settings.name, user: GuestAccount.user, password: GuestAccount.userPassword, file: archive, into: staging)
        try root(
            vbox, settings,
            """
            tar -xf \(quoted(staged)) --no-same-owner -C \(directory) && rm -f \(quoted(staged)) \
            && chown -R \(GuestAccount.user):\(GuestAccount.user) \(directory) \
            && printf '%s\\n' \(summary.sha256) > \(quoted(guestDirectory + "/" + treeMarker))
            """, what: "unpacking the tree into \(guestDirectory)")
        if let profileLine {
            let line = quoted(profileLine)
            try vbox.guestChange(
                settings.name, user: GuestAccount.user, password: GuestAccount.userPassword,
                "grep -qxF \(line) ~/.bashrc 2>/dev/null || printf '%s\\n' \(line) >> ~/.bashrc",
                what: "adding the environment to ~/.bashrc")
        }
        return VirtualBoxEffect(
            machine: settings.name, calls: vbox.changes,
            tree: TreeFacts(digest: summary.sha256, files: summary.fileCount, bytes: summary.totalSize))
    }

    /// The guest holds the marker with the host tree's digest (and the profile line).
    static func reconcileCopyTree(
        _ settings: VirtualMachineSettings, tree: String, guestDirectory: String, profileLine: String?,
        _ vbox: VirtualBoxManager
    ) throws -> VirtualBoxEffect? {
        guard try vbox.machine(settings.name)?.isRunning == true else { return nil }
        let summary = try TreeDigest.summarize(tree)
        let marker = try vbox.guestRun(
            settings.name, user: GuestAccount.root, password: GuestAccount.rootPassword,
            "cat \(quoted(guestDirectory + "/" + treeMarker))")
        guard marker.status == 0, marker.output.trimmingCharacters(in: .whitespacesAndNewlines) == summary.sha256 else {
            return nil
        }
        if let profileLine {
            let grep = try vbox.guestRun(
                settings.name, user: GuestAccount.user, password: GuestAccount.userPassword,
                "grep -qxF \(quoted(profileLine)) ~/.bashrc")
            guard grep.status == 0 else { return nil }
        }
        return VirtualBoxEffect(
            machine: settings.name,
            tree: TreeFacts(digest: summary.sha256, files: summary.fileCount, bytes: summary.totalSize))
    }

    static func write(
        _ settings: VirtualMachineSettings, path: String, content: String, _ vbox: VirtualBoxManager
    ) throws -> VirtualBoxEffect {
        try requireRunning(settings.name, vbox)
        let temporary = quoted(path + ".casa-release.tmp")
        try root(
            vbox, settings,
            "mkdir -p \(quoted(FilePath.directory(path))) && printf '%s' \(quoted(content)) > \(temporary) && mv -f \(temporary) \(quoted(path))",
            what: "writing \(path) in the guest")
        return VirtualBoxEffect(machine: settings.name, calls: vbox.changes)
    }

    static func reconcileWrite(
        _ settings: VirtualMachineSettings, path: String, content: String, _ vbox: VirtualBoxManager
    ) throws -> VirtualBoxEffect? {
        guard try vbox.machine(settings.name)?.isRunning == true else { return nil }
        let read = try vbox.guestRun(
            settings.name, user: GuestAccount.root, password: GuestAccount.rootPassword, "cat \(quoted(path))")
        guard read.status == 0, read.output == content else { return nil }
        return VirtualBoxEffect(machine: settings.name)
    }

    private static func root(
        _ vbox: VirtualBoxManager, _ settings: VirtualMachineSettings, _ script: String, what: String
    ) throws {
        try vbox.guestChange(
            settings.name, user: GuestAccount.root, password: GuestAccount.rootPassword, script, what: what)
    }

    private static func requireRunning(_ name: String, _ vbox: VirtualBoxManager) throws {
        guard let machine = try vbox.machine(name) else { throw VirtualMachineSetup.missing(name) }
        guard machine.isRunning else {
            throw ExecutorError(
                .stepFailed,
                "the VM \(name) is \(machine.state ?? "not running"), and its guest must run: start it (VBoxManage startvm \(name)), then resume"
            )
        }
    }

    private static func quoted(_ text: String) -> String { ApptainerDefinition.shellQuoted(text) }
}
