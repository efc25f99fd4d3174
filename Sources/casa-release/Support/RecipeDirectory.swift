import ArgumentParser
import Executors
import Foundation
import ReleaseDriver
import ReleaseLedger
import ReleaseStateMachine

/// Where recipes are read from.
enum RecipeDirectory {
    static func root(_ option: String?, casaDistroSource: String?) throws -> String {
        if let option { return Paths.absolute(option) }
        if let environment = ProcessInfo.processInfo.environment["CASA_RELEASE_RECIPES"], !environment.isEmpty {
            return Paths.absolute(environment)
        }
        if let casaDistroSource { return casaDistroSource + "/image-recipes" }
        throw CommandFailure(
            .usage,
            "say where the recipes are: recipes=DIR (laid out DIR/casa-<type>/<image_version>/), $CASA_RELEASE_RECIPES, or casa_distro=DIR for its image-recipes"
        )
    }
}
