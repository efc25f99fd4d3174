import Foundation

/// What a release engineer's base directory holds before a user image, written the same way by
/// the binary's tests and the in-process ones: the dev recipe, casa-distro's sources, and a dev
/// environment as casa-distro's `setup_dev` leaves it.
public enum ReleaseAreaFixtures {
    /// `casa-dev/5.4/recipe.yaml`: small, on the run image, with install_casa_distro.
    public static let devRecipe = """
        name: casa-dev
        base: casa-run-5.4.{extension}
        metadata: {hidden: true}
        steps:
          - name: apt_dev_dependencies
            operations:
              - run_root: apt-get install -y cmake g++ git subversion
          - name: install_casa_distro
            operations:
              - install_casa_distro: /casa/casa-distro
        """

    /// A casa-distro checkout to copy into images, at `directory`.
    public static func writeCasaDistro(at directory: String) throws {
        for part in ["bin", "cbin", "python", "etc", "share"] {
            try write(directory + "/\(part)/README", "casa-distro \(part)\n")
        }
        try write(directory + "/image-recipes/casa-pixi/5.4/bv_install_environment", "#!/bin/sh\n")
    }

    /// A dev environment `<base>/<name>` on the dev image whose image_id is `devImageID`, with a
    /// build directory (VERSION 5.4.0) and a git checkout.
    public static func writeDevEnvironment(
        at directory: String, name: String, devImageID: String, branch: String = "master",
        distro: String = "brainvisa", originRun: String? = nil
    ) throws {
        var config: [String: Any] = [
            "casa_distro_compatibility": "3", "distro": distro, "type": "dev", "system": "ubuntu-24.04",
            "image_version": "5.4", "branch": branch, "container_type": "singularity", "image": "../casa-dev-5.4.sif",
            "name": name, "image_id": devImageID,
        ]
        if let originRun { config["origin_run"] = originRun }
        try write(
            directory + "/conf/casa_distro.json",
            String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self))
        try write(directory + "/build/VERSION", "5.4.0\n")
        try FileManager.default.createDirectory(
            atPath: directory + "/src/soma-base/master", withIntermediateDirectories: true)
        try Shell.script(
            "cd '\(directory)/src/soma-base/master' && git init -q && git -c user.email=t@t -c user.name=t commit -q --allow-empty -m first"
        )
    }

    /// Writes `text` at `path`, making its directory.
    public static func write(_ path: String, _ text: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
