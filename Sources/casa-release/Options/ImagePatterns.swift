import ReleaseDriver
/// `image_names=` of the docker and singularity commands: comma-separated shell patterns over
/// `<name>:<tag>`, at least one (casa-distro's default `*`).
enum ImagePatterns {
    static func parse(_ text: String) throws -> [String] {
        let patterns = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !patterns.isEmpty else {
            throw CommandFailure(.usage, "image_names= needs at least one pattern (e.g. 'casa-run:*')")
        }
        return patterns
    }
}
