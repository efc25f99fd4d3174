#!/usr/bin/python3
"""The token server of the Bearer flow (distribution's token auth), for the tests: it checks an
HTTP basic login and answers {"token": JWT}, the JWT signed RS256 with the test's key (by the
openssl command line) and naming that key by its libtrust key id, which the registry computes
from the certificate of its rootcertbundle.

usage: registry-token-server.py PORT KEY.pem CERT.pem ISSUER SERVICE USER:PASSWORD:ACTIONS...
ACTIONS is what the user is granted on any repository it asks for: "pull,push" or "pull".
Every request is appended to PORT.log beside the key, one line each.
"""
import base64, hashlib, json, os, subprocess, sys, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

port, key, cert, issuer, service = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
users = {}
for entry in sys.argv[6:]:
    user, password, actions = entry.split(":", 2)
    users[user] = (password, actions.split(","))
log = os.path.join(os.path.dirname(key), "token-%d.log" % port)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def key_id():
    der = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-pubkey"], capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=der, capture_output=True, check=True).stdout
    encoded = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(encoded[i:i + 4] for i in range(0, len(encoded), 4))


KID = key_id()


def sign(claims):
    header = b64(json.dumps({"typ": "JWT", "alg": "RS256", "kid": KID}).encode())
    payload = b64(json.dumps(claims).encode())
    signed = (header + "." + payload).encode()
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signed, capture_output=True, check=True).stdout
    return header + "." + payload + "." + b64(signature)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        query = parse_qs(urlparse(self.path).query)
        with open(log, "a") as out:
            out.write(json.dumps({"path": self.path, "authorized": "Authorization" in self.headers}) + "\n")
        user = None
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            name, _, password = base64.b64decode(header[6:]).decode().partition(":")
            if name in users and users[name][0] == password:
                user = name
        if user is None:
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errors":[{"code":"UNAUTHORIZED","message":"bad login"}]}')
            return
        access = []
        for scope in query.get("scope", []):
            kind, _, rest = scope.partition(":")
            name, _, wanted = rest.rpartition(":")
            granted = [a for a in wanted.split(",") if a in users[user][1]]
            access.append({"type": kind, "name": name, "actions": granted})
        now = int(time.time())
        token = sign({"iss": issuer, "sub": user, "aud": service, "exp": now + 600, "nbf": now - 60, "iat": now,
                      "jti": str(uuid.uuid4()), "access": access})
        body = json.dumps({"token": token, "expires_in": 600}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
