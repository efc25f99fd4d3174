import Foundation

/// The independent Python clients the tests check casa-release's signatures with: python-tuf
/// (its `ngclient`) and securesystemslib (DSSE), from PyPI, in a virtual environment the tests
/// make once under `.build/` and share between test processes. CI installs Debian's python3-venv
/// (`.ci/run`); PyPI is reached by pip.
public enum PythonClients {
    /// What the environment holds, pinned to the major versions the tests were written against.
    static let requirements = ["tuf>=7,<8", "securesystemslib[crypto]>=1,<2"]

    /// The environment's python3, made on first use (under a lock: two test processes may ask at once).
    public static var python: String {
        get throws { try made.get() }
    }

    private static let made: Result<String, Error> = Result {
        let directory = PackagePaths.root + "/.build/test-python"
        let python = directory + "/bin/python3"
        let quoted = requirements.map { "'\($0)'" }.joined(separator: " ")
        // flock: the first process makes it, the others wait and find it made. An environment
        // that lost a package (or was half made) is made again.
        try Shell.script(
            """
            mkdir -p \(PackagePaths.root)/.build && exec 9>\(directory).lock && flock 9 && \
            if ! \(python) -c 'import tuf.ngclient, securesystemslib.dsse, cryptography' 2>/dev/null; then \
              rm -rf \(directory) && /usr/bin/python3 -m venv \(directory) && \
              \(python) -m pip install --quiet --disable-pip-version-check \(quoted); \
            fi
            """, mergingErrors: true)
        return python
    }

    /// Runs `script` (Python source) with `arguments` in the environment; its standard output and
    /// error, and its exit status. A client's refusal is a status, not an error.
    public static func run(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try python)
        process.arguments = ["-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// securesystemslib's check of a signed provenance: the DSSE envelope verifies under the PEM
    /// public key (its key id is securesystemslib's own), and the statement's subject has the
    /// file's SHA-256. Prints the key id; exits 1 with the reason otherwise.
    public static let dsseVerifier = """
        import hashlib, json, sys
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
        from securesystemslib.dsse import Envelope
        from securesystemslib.signer import SSlibKey
        image, attestation, public = sys.argv[1:4]
        key = SSlibKey.from_crypto(load_pem_public_key(open(public, "rb").read()))
        lines = [line for line in open(attestation).read().splitlines() if line.strip()]
        envelope = Envelope.from_dict(json.loads(lines[0]))
        try:
            envelope.verify([key], 1)
        except Exception as error:
            sys.exit("signature: %s" % error)
        statement = json.loads(envelope.payload)
        digest = hashlib.sha256(open(image, "rb").read()).hexdigest()
        if not any(subject["digest"].get("sha256") == digest for subject in statement["subject"]):
            sys.exit("subject: the statement is not about sha256 %s" % digest)
        print(key.keyid, statement["predicateType"])
        """
}
