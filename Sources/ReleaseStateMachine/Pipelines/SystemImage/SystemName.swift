import Foundation

/// Derives the `system` tag of an image (`ubuntu-24.04`) from its base, as casa-distro does.
public enum SystemName {
    /// The system of a base file without a sidecar: the first two dash-separated fields of its
    /// name, `*ubuntu*` read as `ubuntu`, the version cut to two components
    /// (`lubuntu-22.04.1-desktop-amd64.iso` gives `ubuntu-22.04`, `ubuntu-24.04.sif` gives `ubuntu-24.04`).
    /// Nil when the name has no `-` (casa-distro crashes there; casa-release asks for a sidecar or `system=`).
    public static func derive(fromBaseFileName fileName: String) -> String? {
        var stem = fileName
        for suffix in [".sif", ".simg", ".img", ".iso", ".ova"] where stem.hasSuffix(suffix) {
            stem.removeLast(suffix.count)
            break
        }
        // casa-release's own system images (`casa-system-ubuntu-24.04.sif`) are bases of run images.
        if stem.hasPrefix("casa-system-") { stem.removeFirst("casa-system-".count) }
        let fields = stem.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count >= 2, !fields[0].isEmpty, !fields[1].isEmpty else { return nil }
        let distribution = fields[0].contains("ubuntu") ? "ubuntu" : String(fields[0])
        let version = fields[1].split(separator: ".", omittingEmptySubsequences: false).prefix(2).joined(separator: ".")
        return "\(distribution)-\(version)"
    }
}
