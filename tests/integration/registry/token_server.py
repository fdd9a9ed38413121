#!/usr/bin/python3
"""A token server for docker-registry's `auth: token:` mode (the Docker
registry token spec): GET /token?service=S&scope=repository:NAME:ACTIONS...
with Basic credentials returns {"token","access_token","expires_in"}, a
JWT signed RS256 whose x5c header carries the signing certificate (which
the registry's rootcertbundle trusts).  Known users get every action they
ask for; anonymous requests get "pull" on repositories named public/...;
wrong credentials get 401.  Every request is logged as
"TOKEN user=<name|-> scope=<scope> ..." to the log file.

  token_server.py --key K --cert C --issuer I --service S --users u:p,...
                  --port-file F --log LOG"""
import argparse
import base64
import http.server
import json
import sys
import time
import urllib.parse
import uuid

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import lib_serve  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    for a in ("--key", "--cert", "--issuer", "--service", "--users", "--port-file", "--log"):
        ap.add_argument(a, required=True)
    args = ap.parse_args()
    key = open(args.key, "rb").read()
    cert = x509.load_pem_x509_certificate(open(args.cert, "rb").read())
    x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    users = dict(u.split(":", 1) for u in args.users.split(",") if u)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, doc):
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            q = urllib.parse.parse_qs(url.query)
            scopes = q.get("scope", [])
            user = None
            h = self.headers.get("Authorization", "")
            if h.startswith("Basic "):
                try:
                    u, p = base64.b64decode(h[6:]).decode().split(":", 1)
                except Exception:
                    u, p = "", None
                if users.get(u) != p:
                    lib_serve.log(args.log, "TOKEN user=%s refused" % u)
                    return self.reply(401, {"details": "incorrect username or password"})
                user = u
            lib_serve.log(args.log, "TOKEN user=%s scope=%s service=%s"
                          % (user or "-", " ".join(scopes) or "-", q.get("service", ["-"])[0]))
            access = []
            for s in scopes:
                parts = s.split(":")
                if len(parts) < 3 or parts[0] != "repository":
                    continue
                name, actions = ":".join(parts[1:-1]), parts[-1].split(",")
                if user is None:
                    actions = [a for a in actions if a == "pull" and name.startswith("public/")]
                access.append({"type": "repository", "name": name, "actions": actions})
            now = int(time.time())
            claims = {"iss": args.issuer, "sub": user or "", "aud": args.service,
                      "exp": now + 300, "nbf": now - 10, "iat": now, "jti": uuid.uuid4().hex,
                      "access": access}
            token = jwt.encode(claims, key, algorithm="RS256", headers={"x5c": [x5c]})
            self.reply(200, {"token": token, "access_token": token, "expires_in": 300,
                             "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))})

    lib_serve.serve(Handler, args.port_file)


if __name__ == "__main__":
    sys.exit(main())
