import Foundation

/// The independent Python clients the tests check casa-release's signatures with: python-tuf
/// (its `ngclient`) and securesystemslib (DSSE), from PyPI, in a virtual environment the tests
/// make once under `.build/` and share between test processes. CI installs Debian's python3-venv
/// (`.ci/run`); PyPI is reached by pip.
public enum PythonClients {
    /// What the environment holds, pinned to the major versions the tests were written against.
    static let requirements = ["tuf>=7,<8", "securesystemslib[crypto]>=1,<2", "selenium>=4,<5"]

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
            if ! \(python) -c 'import tuf.ngclient, securesystemslib.dsse, cryptography, selenium' 2>/dev/null; then \
              rm -rf \(directory) && /usr/bin/python3 -m venv \(directory) && \
              \(python) -m pip install --quiet --disable-pip-version-check \(quoted); \
            fi
            """, mergingErrors: true)
        return python
    }

    /// Runs `script` (Python source) with `arguments` in the environment; its standard output and
    /// error, and its exit status. A client's refusal is a status, not an error.
    public static func run(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try Shell.capture(try python, ["-c", script] + arguments)
    }

    /// `run` for a client that lives long (a browser session), isolated from the other tests'
    /// descriptors (`Shell.captureIsolated`).
    public static func runIsolated(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try Shell.captureIsolated(try python, ["-c", script] + arguments)
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

    /// A cosign signature check written from cosign's signature specification and
    /// containers/image's reading of it (its payload fields exact, as
    /// `signature/internal/sigstore_payload.go` parses them), with Python's `cryptography` and
    /// `urllib`: Debian 12's skopeo and podman have sigstore disabled at the source ("Debian-local
    /// change: sigstore disabled"), so no Debian client can. Arguments: registry URL, repository,
    /// tag, PEM public key. Resolves the tag to its manifest digest, reads `sha256-<hex>.sig`,
    /// and accepts when one layer's payload verifies under the key and names that digest and
    /// repository; prints the digest, or exits 1 with the reason.
    public static let cosignVerifier = """
        import base64, hashlib, json, sys, urllib.request, urllib.error
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
        from cryptography.exceptions import InvalidSignature
        registry, repository, tag, public = sys.argv[1:5]
        host = registry.split("://", 1)[1]
        key = load_pem_public_key(open(public, "rb").read())
        accept = ", ".join(["application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json"])
        def get(path):
            request = urllib.request.Request(registry + "/v2/" + repository + path, headers={"Accept": accept})
            with urllib.request.urlopen(request) as response:
                return response.read()
        digest = "sha256:" + hashlib.sha256(get("/manifests/" + tag)).hexdigest()
        try:
            attachment = json.loads(get("/manifests/" + digest.replace(":", "-") + ".sig"))
        except urllib.error.HTTPError as error:
            sys.exit("unsigned: no %s.sig (%d)" % (digest.replace(":", "-"), error.code))
        def exact(value, fields):
            if not isinstance(value, dict) or set(value) != set(fields):
                raise ValueError("fields %s, not %s" % (sorted(value) if isinstance(value, dict) else value, sorted(fields)))
        reasons = []
        for layer in attachment.get("layers", []):
            if layer.get("mediaType") != "application/vnd.dev.cosign.simplesigning.v1+json":
                continue
            payload = get("/blobs/" + layer["digest"])
            if "sha256:" + hashlib.sha256(payload).hexdigest() != layer["digest"]:
                reasons.append("a payload blob does not match its digest"); continue
            try:
                signature = base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"], validate=True)
                key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
            except (KeyError, ValueError, InvalidSignature):
                reasons.append("a signature does not verify under the key"); continue
            try:
                body = json.loads(payload)
                exact(body, ["critical", "optional"])
                exact(body["critical"], ["type", "image", "identity"])
                exact(body["critical"]["image"], ["docker-manifest-digest"])
                exact(body["critical"]["identity"], ["docker-reference"])
            except ValueError as error:
                reasons.append("a payload is not simple signing: %s" % error); continue
            critical = body["critical"]
            if critical["type"] != "cosign container image signature":
                reasons.append("type %s" % critical["type"]); continue
            if critical["image"]["docker-manifest-digest"] != digest:
                reasons.append("signed digest %s, not %s" % (critical["image"]["docker-manifest-digest"], digest)); continue
            if critical["identity"]["docker-reference"] != host + "/" + repository:
                reasons.append("signed for %s" % critical["identity"]["docker-reference"]); continue
            print(digest)
            sys.exit(0)
        sys.exit("refused: " + ("; ".join(reasons) or "no signature layer"))
        """

    /// securesystemslib's check of an image's provenance attached the cosign way: the DSSE
    /// envelopes in the layers of `sha256-<hex>.att` (the digest the tag names now), one of which
    /// must verify under the key and be about that digest. Arguments: registry URL, repository,
    /// tag, PEM public key. Prints the key id and the predicate type, or exits 1 with the reason.
    public static let cosignAttestationVerifier = """
        import hashlib, json, sys, urllib.request, urllib.error
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
        from securesystemslib.dsse import Envelope
        from securesystemslib.signer import SSlibKey
        registry, repository, tag, public = sys.argv[1:5]
        key = SSlibKey.from_crypto(load_pem_public_key(open(public, "rb").read()))
        accept = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
        def get(path):
            request = urllib.request.Request(registry + "/v2/" + repository + path, headers={"Accept": accept})
            with urllib.request.urlopen(request) as response:
                return response.read()
        digest = hashlib.sha256(get("/manifests/" + tag)).hexdigest()
        try:
            attachment = json.loads(get("/manifests/sha256-" + digest + ".att"))
        except urllib.error.HTTPError as error:
            sys.exit("no attestation: sha256-%s.att (%d)" % (digest, error.code))
        reasons = []
        for layer in attachment.get("layers", []):
            if layer.get("mediaType") != "application/vnd.dsse.envelope.v1+json":
                continue
            envelope = Envelope.from_dict(json.loads(get("/blobs/" + layer["digest"])))
            try:
                envelope.verify([key], 1)
            except Exception as error:
                reasons.append("signature: %s" % error); continue
            statement = json.loads(envelope.payload)
            if not any(subject.get("digest", {}).get("sha256") == digest for subject in statement["subject"]):
                reasons.append("subject: not sha256:%s" % digest); continue
            print(key.keyid, statement["predicateType"])
            sys.exit(0)
        sys.exit("refused: " + ("; ".join(reasons) or "no envelope"))
        """

    /// python-tuf's client (`ngclient.Updater`): refreshes the metadata of the mirror at
    /// `metadata URL` (`http://…/tuf/`, or `file://` read by a fetcher of its own), trusting
    /// `root` on its first use of `state` (a directory that keeps what it trusted since, as a
    /// client's does), and with a target name downloads it from `targets URL` and verifies it.
    /// Arguments: metadata URL, targets URL, root file, state directory, [target]. Prints the
    /// trusted root's version and, for a target, its length, sha256 and custom fields as JSON;
    /// exits 1 with the exception's class and message when the client refuses.
    public static let tufClient = """
        import json, os, sys
        from tuf.ngclient import FetcherInterface, Updater
        from tuf.api.exceptions import DownloadHTTPError
        class FileFetcher(FetcherInterface):
            def _fetch(self, url):
                try:
                    with open(url[len("file://"):], "rb") as file:
                        return iter([file.read()])
                except FileNotFoundError:
                    raise DownloadHTTPError("not found: " + url, 404)
        metadata_url, targets_url, root, state = sys.argv[1:5]
        target = sys.argv[5] if len(sys.argv) > 5 else None
        metadata = os.path.join(state, "metadata")
        first = not os.path.exists(os.path.join(metadata, "root.json"))
        os.makedirs(metadata, exist_ok=True)
        os.makedirs(os.path.join(state, "downloads"), exist_ok=True)
        try:
            updater = Updater(metadata, metadata_url, os.path.join(state, "downloads"), targets_url,
                fetcher=FileFetcher() if metadata_url.startswith("file://") else None,
                bootstrap=open(root, "rb").read() if first else None)
            updater.refresh()
            print("root", updater._trusted_set.root.version)
            if target:
                info = updater.get_targetinfo(target)
                if info is None:
                    sys.exit("UnknownTarget: %s is not in the mirror's targets" % target)
                path = updater.download_target(info, os.path.join(state, "downloads", os.path.basename(target)))
                print("target", info.length, info.hashes["sha256"], json.dumps(info.custom, sort_keys=True))
        except Exception as error:
            sys.exit("%s: %s" % (type(error).__name__, error))
        """

    /// securesystemslib's canonical JSON of the JSON document in the file named by the argument.
    public static let canonicalJSON = """
        import json, sys
        from securesystemslib.formats import encode_canonical
        sys.stdout.buffer.write(encode_canonical(json.load(open(sys.argv[1], encoding="utf-8"))).encode("utf-8"))
        """

    /// casa-distro's own client (`casa_distro pull_image`), which cannot be installed here (it is
    /// neither on PyPI nor in Debian), replayed by its documented rules (docs/casa-distro.md §8,
    /// ../shared/REFERENCE-casa-distro.md §8). The listing is the text of the links inside `<td>`
    /// (Apache's autoindex table), the first (Parent Directory) dropped; a file is an image of the
    /// same name, version and extension when its whole name reads
    /// `<name>-<version>-<patch>.<extension>` with a one-word extension; the highest patch wins;
    /// its `.json` is fetched, then the image under `.part`, renamed once its md5 is the
    /// sidecar's. Arguments: the mirror's URL (no final `/`), the local image the user has (it
    /// need not exist). Prints the listing and the file pulled; exits 1 otherwise.
    public static let casaDistroPull = """
        import hashlib, json, os, re, shutil, sys, urllib.parse, urllib.request
        from html.parser import HTMLParser
        url, image = sys.argv[1:3]

        class Links(HTMLParser):
            def __init__(self):
                super().__init__()
                self.in_cell, self.in_link, self.names = False, False, []
            def handle_starttag(self, tag, attributes):
                self.in_cell = self.in_cell or tag == "td"
                self.in_link = self.in_link or (self.in_cell and tag == "a")
            def handle_endtag(self, tag):
                if tag == "td":
                    self.in_cell = False
                elif tag == "a":
                    self.in_link = False
            def handle_data(self, data):
                if self.in_link:
                    self.names.append(data)

        links = Links()
        links.feed(urllib.request.urlopen(url + "/").read().decode("utf8"))
        listing = links.names[1:]
        print("listing", " ".join(listing))
        pattern = re.compile(r"^(?P<name>[\\w-]+)-(?P<version>\\d+\\.\\d+(?:\\.\\d+)?)(?:-(?P<patch>\\d+))?\\.(?P<extension>\\w+)$")
        wanted = pattern.match(os.path.basename(image))
        if wanted is None:
            sys.exit("not an image name: " + image)
        patch = int(wanted.group("patch") or 0)
        best = patch
        for name in listing:
            found = pattern.match(name)
            if found and all(found.group(part) == wanted.group(part) for part in ("name", "version", "extension")):
                best = max(best, int(found.group("patch") or 0))
        if best == patch and os.path.exists(image):
            print("up to date", os.path.basename(image))
            sys.exit(0)
        chosen = "%s-%s-%d.%s" % (wanted.group("name"), wanted.group("version"), best, wanted.group("extension"))
        local = os.path.join(os.path.dirname(image), chosen)
        with urllib.request.urlopen(url + "/" + urllib.parse.quote(chosen) + ".json") as response:
            sidecar = json.load(response)
        with open(local + ".json", "w") as out:
            json.dump(sidecar, out)
        with urllib.request.urlopen(url + "/" + urllib.parse.quote(chosen)) as response, open(local + ".part", "wb") as out:
            shutil.copyfileobj(response, out)
        digest = hashlib.md5(open(local + ".part", "rb").read()).hexdigest()
        if digest != sidecar.get("md5"):
            sys.exit("mismatching md5 sum")
        os.rename(local + ".part", local)
        print("pulled", chosen)
        """

    /// Headless Chromium (Debian's chromium and chromium-driver) driven by Selenium, on the pages
    /// a JSON spec (the first argument, a file) lists: `{"artifacts": DIR, "pages": [{"name",
    /// "url", "then": {"argv", "env"}?, "wait": {"selector", "text", "seconds"}?}]}`. Each page is
    /// loaded; `then` runs a command in another process once it is shown; `wait` waits (polling the
    /// page, up to its seconds) until the selector's text holds the text. Prints one JSON object a
    /// page: its console errors (SEVERE), its text, the step names of its timeline in order, what a
    /// hostile value would have made of it (elements from a hostile value, `window.__xss`), whether
    /// the wait was met; and keeps a screenshot, `<artifacts>/<name>.png`.
    public static let dashboardBrowser = """
        import json, os, subprocess, sys, time
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        spec = json.load(open(sys.argv[1]))
        os.makedirs(spec["artifacts"], exist_ok=True)
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"]:
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            for page in spec["pages"]:
                driver.get(page["url"])
                result = {"name": page["name"], "title": driver.title}
                if "then" in page:
                    done = subprocess.run(page["then"]["argv"], env=page["then"]["env"], capture_output=True, text=True)
                    result["then"] = done.returncode
                if "wait" in page:
                    wait = page["wait"]
                    deadline = time.monotonic() + wait.get("seconds", 60)
                    met = False
                    # Read in the page, in one go: the live part may be swapped between two calls.
                    while time.monotonic() < deadline and not met:
                        met = driver.execute_script(
                            "return Array.from(document.querySelectorAll(arguments[0])).some(e => (e.innerText ?? e.textContent).includes(arguments[1]))",
                            wait["selector"], wait["text"])
                        if not met:
                            time.sleep(0.2)
                    result["waited"] = met
                result["errors"] = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
                result["text"] = driver.execute_script("return document.body.innerText")
                result["steps"] = driver.execute_script(
                    "return Array.from(document.querySelectorAll('#timeline .step')).map(e => e.innerText)")
                result["hostile"] = driver.execute_script(
                    "return document.querySelectorAll('img[src=\\"x\\"], script:not([src]), [onerror], [onload]').length")
                result["xss"] = driver.execute_script("return window.__xss === undefined ? null : window.__xss")
                driver.save_screenshot(os.path.join(spec["artifacts"], page["name"] + ".png"))
                print(json.dumps(result), flush=True)
        finally:
            driver.quit()
        """
}
