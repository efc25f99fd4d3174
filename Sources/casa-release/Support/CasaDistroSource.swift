import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// casa-distro's own sources: copied into dev and user images (install_casa_distro), and home
/// of its image-recipes directory.
enum CasaDistroSource {
    /// `casa_distro=`, else `$CASA_DISTRO_SOURCE`, made absolute; nil when neither is given.
    static func resolve(_ option: String?) throws -> String? {
        let environment = ProcessInfo.processInfo.environment["CASA_DISTRO_SOURCE"].flatMap { $0.isEmpty ? nil : $0 }
        guard let chosen = option ?? environment else { return nil }
        let path = Paths.absolute(chosen)
        guard LocalFiles.isDirectory(path) else {
            throw CommandFailure(.badInput, "casa-distro's sources \(path) are not a directory")
        }
        return path
    }

    /// The directories install_casa_distro copies must all be there.
    static func check(_ path: String) throws {
        let missing = ApptainerDefinition.casaDistroParts.filter { !LocalFiles.isDirectory(path + "/" + $0) }
        guard missing.isEmpty else {
            throw CommandFailure(
                .badInput,
                "\(path) does not look like casa-distro's sources: it has no \(missing.joined(separator: ", ")) (install_casa_distro copies \(ApptainerDefinition.casaDistroParts.joined(separator: ", ")))"
            )
        }
    }
}
