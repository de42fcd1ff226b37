#!/usr/bin/env python3
"""A loopback fake of Bitwarden's identity and Secrets Manager API.

Serves the shapes recorded in ../shared/reference/bitwarden-eso.md (section
1.7) and ../shared/testvectors/bitwarden (read in place from $COVERT_SHARED):
the machine account of sm_identity_flow.json "synthetic_main" logs in to the
organization of sm_api_responses.json, whose secrets and projects it serves
(recorded EncStrings where the vectors have them, the rest encrypted here
under the organization key from the recorded plaintexts). Requests are
logged and counted so tests can check how many logins and API calls a
client made. The official SDK (@bitwarden/sdk-napi) is run against this
server by tests/bitwarden/sdk_proof.sh to show it speaks the real protocol.

URLs: http://127.0.0.1:PORT/<scenario>/identity/connect/token and
http://127.0.0.1:PORT/<scenario>/api/..., where <scenario> picks a
behaviour (see SCENARIOS). Control: GET /_log, GET /_counts, POST /_reset.

  fake_server.py --port-file FILE [--shared DIR] [--generate N]

Listens on 127.0.0.1 on a free port (written to FILE once listening).
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

SCENARIOS = {
    "ok": "normal behaviour",
    "id400": "identity answers 400 invalid_client",
    "id429": "identity answers 429 (text/plain, Retry-After: 1) every time",
    "api401": "API answers 401 every time",
    "api404": "API answers 404 (web vault HTML)",
    "api500": "API answers 500 error JSON every time",
    "flaky429": "the first API request of each path answers 429 Retry-After: 1",
    "flaky503": "the first API request of each path answers 503",
    "badmac": "secret values have a flipped MAC",
    "type0": "secret values are downgraded to type 0",
    "orgmismatch": "secrets claim another organization",
    "nullnote": "secret notes are null",
    "shortexp": "tokens expire after 10 s (expires_in 10)",
    "expire": "tokens are revoked after 2 API requests (expiry mid-run)",
    "expire1": "tokens are revoked after 1 API request",
    "noorg": "the JWT has no organization claim",
}

OTHER_ORG = "0b8b1a39-7d0f-4b8f-9d59-0f0a6a1c0de5"


def b64(b):
    return base64.b64encode(b).decode()


def b64url(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def encrypt(key, plaintext):
    """Type-2 EncString: AES-256-CBC + HMAC-SHA256 over iv || ciphertext."""
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    data = padder.update(plaintext.encode()) + padder.finalize()
    enc = Cipher(algorithms.AES(key[:32]), modes.CBC(iv)).encryptor()
    ct = enc.update(data) + enc.finalize()
    mac = hmac.new(key[32:], iv + ct, hashlib.sha256).digest()
    return "2.%s|%s|%s" % (b64(iv), b64(ct), b64(mac))


def now_iso():
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


class World:
    """Organization data, issued tokens, and the request log."""

    def __init__(self, shared, generate):
        self.lock = threading.Lock()
        self.shared = shared
        self.generate = generate
        self.reset()

    def reset(self):
        vec = os.path.join(self.shared, "testvectors", "bitwarden")
        with open(os.path.join(vec, "sm_api_responses.json")) as f:
            api = json.load(f)["data"]
        with open(os.path.join(vec, "sm_identity_flow.json")) as f:
            flows = {c["name"]: c for c in json.load(f)["cases"]}
        main = flows["synthetic_main"]
        tok = main["access_token"]
        left = tok.split(":")[0].split(".")
        self.client_id, self.client_secret = left[1], left[2]
        self.payload = main["response_shape"]["encrypted_payload"]
        self.org = api["organization_id"]
        self.key = base64.b64decode(api["organization_key_b64"])
        self.projects = {}
        for p in api["projects"]:
            self.projects[p["id"]] = {
                "id": p["id"], "organizationId": self.org, "name": p["enc_name"],
                "creationDate": "2026-01-02T03:04:05.678Z",
                "revisionDate": "2026-01-02T03:04:05.678Z"}
        recorded = {api["get_secret"]["id"]: api["get_secret"],
                    api["get_secret_noproject"]["id"]: api["get_secret_noproject"]}
        listed = {s["id"]: s for s in api["list_secrets"]["secrets"]}
        self.secrets = {}
        for s in api["expected_get_decrypted"]:
            rec = recorded.get(s["id"])
            ent = listed[s["id"]]
            self.secrets[s["id"]] = {
                "id": s["id"], "organizationId": self.org, "key": ent["key"],
                "value": rec["value"] if rec else encrypt(self.key, s["value"]),
                "note": rec["note"] if rec else encrypt(self.key, s["note"]),
                "creationDate": ent["creationDate"], "revisionDate": ent["revisionDate"],
                "projects": [p["id"] for p in ent["projects"]]}
        prod = api["projects"][0]["id"]
        for i in range(self.generate):
            sid = str(uuid.UUID(int=(0x5EC0 << 112) | i, version=4))
            self.secrets[sid] = {
                "id": sid, "organizationId": self.org,
                "key": encrypt(self.key, "bench-%d" % i),
                "value": encrypt(self.key, "value-%d" % i),
                "note": encrypt(self.key, ""),
                "creationDate": "2026-01-02T03:04:05.678Z",
                "revisionDate": "2026-01-02T03:04:05.678Z", "projects": [prod]}
        self.tokens = {}
        self.log = []
        self.seen_paths = set()

    # --- tokens -----------------------------------------------------------
    def issue(self, scenario):
        life = 10 if scenario == "shortexp" else 3600
        now = int(time.time())
        claims = {"nbf": now, "exp": now + life, "iss": "http://127.0.0.1",
                  "client_id": self.client_id, "sub": "f3831e36-8478-4df3-b8d5-b5366dd2c5ea",
                  "jti": uuid.uuid4().hex, "iat": now, "scope": ["api.secrets"]}
        if scenario != "noorg":
            claims["organization"] = self.org
        jwt = ".".join([b64url(json.dumps({"alg": "RS256", "typ": "at+jwt"}).encode()),
                        b64url(json.dumps(claims).encode()), b64url(b"fake-signature")])
        self.tokens[jwt] = {"exp": now + life, "uses": 0, "scenario": scenario}
        return jwt, life

    def token_ok(self, auth, scenario):
        if not auth.startswith("Bearer "):
            return False
        t = self.tokens.get(auth[7:])
        if t is None or t["exp"] <= time.time():
            return False
        t["uses"] += 1
        limit = {"expire": 2, "expire1": 1}.get(scenario)
        return limit is None or t["uses"] <= limit

    # --- views ------------------------------------------------------------
    def project_refs(self, s):
        return [{"id": p, "name": self.projects[p]["name"]} for p in s["projects"]
                if p in self.projects]

    def secret_view(self, s, scenario, full=True, rw=True):
        v = {"id": s["id"], "organizationId": s["organizationId"], "key": s["key"]}
        if full:
            v["value"], v["note"] = s["value"], s["note"]
            if scenario == "badmac":
                parts = v["value"].split("|")
                mac = bytearray(base64.b64decode(parts[2]))
                mac[0] ^= 1
                v["value"] = "|".join(parts[:2] + [b64(bytes(mac))])
            elif scenario == "type0":
                v["value"] = "0." + "|".join(v["value"][2:].split("|")[:2])
            elif scenario == "nullnote":
                v["note"] = None
        if scenario == "orgmismatch":
            v["organizationId"] = OTHER_ORG
        v["creationDate"], v["revisionDate"] = s["creationDate"], s["revisionDate"]
        v["projects"] = self.project_refs(s)
        if rw:
            v["read"], v["write"] = True, True
        return v


WORLD = None


class Dispatching(BaseHTTPRequestHandler):
    """Every method goes to self.dispatch() (the fakes route by path)."""

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()


class Handler(Dispatching):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    # --- plumbing ---------------------------------------------------------
    def reply(self, status, obj=None, text=None, ctype="application/json; charset=utf-8",
              headers=None):
        body = text.encode() if text is not None else (
            b"" if obj is None else json.dumps(obj).encode())
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.status = status

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def record(self, scenario, kind, raw):
        WORLD.log.append({"scenario": scenario, "kind": kind, "method": self.command,
                          "path": self.path, "status": self.status,
                          "headers": sorted(k.lower() for k in self.headers.keys()),
                          "device_type": self.headers.get("Device-Type"),
                          "body": raw.decode("utf-8", "replace")})

    def dispatch(self):
        raw = self.body()
        self.status = 0
        parts = urlsplit(self.path)
        segs = [s for s in parts.path.split("/") if s]
        with WORLD.lock:
            if segs and segs[0].startswith("_"):
                return self.control(segs[0])
            if len(segs) < 2 or segs[0] not in SCENARIOS or segs[1] not in ("identity", "api"):
                return self.reply(404, text="No route", ctype="text/plain")
            scenario, kind = segs[0], segs[1]
            try:
                if kind == "identity":
                    self.identity(scenario, segs[2:], raw)
                else:
                    self.api(scenario, segs[2:], parse_qs(parts.query), raw)
            finally:
                self.record(scenario, kind, raw)

    def control(self, what):
        if what == "_reset":
            WORLD.reset()
            return self.reply(200, {"ok": True})
        if what == "_log":
            return self.reply(200, WORLD.log)
        if what == "_counts":
            c = {"identity": 0, "api": 0}
            for e in WORLD.log:
                c[e["kind"]] += 1
            return self.reply(200, c)
        return self.reply(404, text="No route", ctype="text/plain")

    # --- identity ---------------------------------------------------------
    def identity(self, scenario, segs, raw):
        if segs != ["connect", "token"] or self.command != "POST":
            return self.reply(404, text="No route", ctype="text/plain")
        if scenario == "id429":
            return self.reply(429, text="Slow down! Too many requests. Try again in 1s.",
                              ctype="text/plain", headers={"Retry-After": "1"})
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        good = (form.get("grant_type") == "client_credentials"
                and form.get("scope") == "api.secrets"
                and form.get("client_id") == WORLD.client_id
                and form.get("client_secret") == WORLD.client_secret)
        if scenario == "id400" or not good:
            return self.reply(400, {"error": "invalid_client",
                                    "error_description": "invalid_client",
                                    "ErrorModel": {"Message": "Access token is invalid or expired.",
                                                   "Object": "error"}})
        jwt, life = WORLD.issue(scenario)
        self.reply(200, {"access_token": jwt, "expires_in": life, "refresh_token": None,
                         "token_type": "Bearer", "scope": "api.secrets",
                         "encrypted_payload": WORLD.payload})

    # --- api --------------------------------------------------------------
    def error_json(self, status, message):
        self.reply(status, {"message": message, "validationErrors": None,
                            "exceptionMessage": None, "exceptionStackTrace": None,
                            "innerExceptionMessage": None, "object": "error"})

    def api(self, scenario, segs, query, raw):
        if not WORLD.token_ok(self.headers.get("Authorization", ""), scenario):
            return self.reply(401, text="", ctype="text/plain")
        if scenario == "api401":
            return self.reply(401, text="", ctype="text/plain")
        if scenario == "api404":
            return self.reply(404, text="<!doctype html><html><title>Page not found | "
                              "Bitwarden Web vault</title></html>", ctype="text/html")
        if scenario == "api500":
            return self.error_json(500, "An error has occurred.")
        key = (scenario, self.command, "/".join(segs))
        if scenario in ("flaky429", "flaky503") and key not in WORLD.seen_paths:
            WORLD.seen_paths.add(key)
            if scenario == "flaky429":
                return self.reply(429, text="Slow down! Too many requests. Try again in 1s.",
                                  ctype="text/plain", headers={"Retry-After": "1"})
            return self.error_json(503, "Service unavailable.")
        body = json.loads(raw) if raw else None
        route = self.route(segs)
        if route is None:
            return self.reply(404, text="No route", ctype="text/plain")
        route(scenario, segs, query, body)

    def route(self, segs):
        m, n = self.command, len(segs)
        table = [
            ("GET", 3, lambda s: s[0] == "organizations" and s[2] == "secrets", self.list_secrets),
            ("POST", 3, lambda s: s[0] == "organizations" and s[2] == "secrets", self.create_secret),
            ("GET", 4, lambda s: s[0] == "organizations" and s[2:] == ["secrets", "sync"], self.sync),
            ("GET", 3, lambda s: s[0] == "organizations" and s[2] == "projects", self.list_projects),
            ("POST", 3, lambda s: s[0] == "organizations" and s[2] == "projects", self.create_project),
            ("POST", 2, lambda s: s == ["secrets", "get-by-ids"], self.get_by_ids),
            ("POST", 2, lambda s: s == ["secrets", "delete"], self.delete_secrets),
            ("POST", 2, lambda s: s == ["projects", "delete"], self.delete_projects),
            ("GET", 3, lambda s: s[0] == "projects" and s[2] == "secrets", self.list_project_secrets),
            ("GET", 2, lambda s: s[0] == "secrets", self.get_secret),
            ("PUT", 2, lambda s: s[0] == "secrets", self.update_secret),
            ("GET", 2, lambda s: s[0] == "projects", self.get_project),
            ("PUT", 2, lambda s: s[0] == "projects", self.update_project),
        ]
        for method, count, match, fn in table:
            if m == method and n == count and match(segs):
                return fn
        return None

    def secrets_list(self, scenario, items):
        used = sorted({p for s in items for p in s["projects"]})
        self.reply(200, {"secrets": [WORLD.secret_view(s, scenario, full=False) for s in items],
                         "projects": [{"id": p, "name": WORLD.projects[p]["name"]}
                                      for p in used if p in WORLD.projects],
                         "object": "SecretsWithProjectsList"})

    def list_secrets(self, scenario, segs, query, body):
        if segs[1] != WORLD.org:
            return self.error_json(404, "Resource not found.")
        self.secrets_list(scenario, list(WORLD.secrets.values()))

    def list_project_secrets(self, scenario, segs, query, body):
        if segs[1] not in WORLD.projects:
            return self.error_json(404, "Resource not found.")
        self.secrets_list(scenario, [s for s in WORLD.secrets.values() if segs[1] in s["projects"]])

    def get_secret(self, scenario, segs, query, body):
        s = WORLD.secrets.get(segs[1])
        if s is None:
            return self.error_json(404, "Resource not found.")
        v = WORLD.secret_view(s, scenario)
        v["object"] = "secret"
        self.reply(200, v)

    def get_by_ids(self, scenario, segs, query, body):
        ids = (body or {}).get("ids") or []
        data = [WORLD.secret_view(WORLD.secrets[i], scenario, rw=False)
                for i in ids if i in WORLD.secrets]
        self.reply(200, {"data": data, "continuationToken": None,
                         "object": "SecretsWithProjectsList"})

    def sync(self, scenario, segs, query, body):
        last = query.get("lastSyncedDate", [None])[0]
        newest = max((s["revisionDate"] for s in WORLD.secrets.values()), default="")
        if last is not None and last[:19] >= newest[:19]:
            return self.reply(200, {"hasChanges": False, "secrets": None, "object": "SecretsSync"})
        data = [WORLD.secret_view(s, scenario, rw=False) for s in WORLD.secrets.values()]
        self.reply(200, {"hasChanges": True, "secrets": {"data": data}, "object": "SecretsSync"})

    def store_secret(self, sid, body, created):
        t = now_iso()
        WORLD.secrets[sid] = {"id": sid, "organizationId": WORLD.org, "key": body["key"],
                              "value": body["value"], "note": body["note"],
                              "creationDate": created or t, "revisionDate": t,
                              "projects": list(body.get("projectIds") or [])}
        return WORLD.secrets[sid]

    def create_secret(self, scenario, segs, query, body):
        s = self.store_secret(str(uuid.uuid4()), body, None)
        v = WORLD.secret_view(s, scenario)
        v["object"] = "secret"
        self.reply(200, v)

    def update_secret(self, scenario, segs, query, body):
        old = WORLD.secrets.get(segs[1])
        if old is None:
            return self.error_json(404, "Resource not found.")
        s = self.store_secret(segs[1], body, old["creationDate"])
        v = WORLD.secret_view(s, scenario)
        v["object"] = "secret"
        self.reply(200, v)

    def delete(self, table, what, ids):
        out = []
        for i in ids:
            if i in table:
                del table[i]
                out.append({"id": i, "error": None})
            else:
                out.append({"id": i, "error": "%s not found or access denied" % what})
        self.reply(200, {"data": out, "object": "list"})

    def delete_secrets(self, scenario, segs, query, body):
        self.delete(WORLD.secrets, "Secret", body or [])

    def delete_projects(self, scenario, segs, query, body):
        self.delete(WORLD.projects, "Project", body or [])

    def project_view(self, p, scenario):
        v = dict(p)
        if scenario == "orgmismatch":
            v["organizationId"] = OTHER_ORG
        v["read"], v["write"] = True, True
        return v

    def list_projects(self, scenario, segs, query, body):
        if segs[1] != WORLD.org:
            return self.error_json(404, "Resource not found.")
        self.reply(200, {"data": [self.project_view(p, scenario) for p in WORLD.projects.values()],
                         "object": "list"})

    def get_project(self, scenario, segs, query, body):
        p = WORLD.projects.get(segs[1])
        if p is None:
            return self.error_json(404, "Resource not found.")
        self.reply(200, self.project_view(p, scenario))

    def create_project(self, scenario, segs, query, body):
        t = now_iso()
        pid = str(uuid.uuid4())
        WORLD.projects[pid] = {"id": pid, "organizationId": WORLD.org, "name": body["name"],
                               "creationDate": t, "revisionDate": t}
        self.reply(200, self.project_view(WORLD.projects[pid], scenario))

    def update_project(self, scenario, segs, query, body):
        p = WORLD.projects.get(segs[1])
        if p is None:
            return self.error_json(404, "Resource not found.")
        p["name"], p["revisionDate"] = body["name"], now_iso()
        self.reply(200, self.project_view(p, scenario))


def serve(srv, port_file):
    """Publish srv's port in port_file (atomically: written, then renamed)
    and serve until interrupted; the test fakes' common tail."""
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def main():
    global WORLD
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--shared", default=os.environ.get("COVERT_SHARED", "../shared"))
    ap.add_argument("--generate", type=int, default=0)
    a = ap.parse_args()
    WORLD = World(a.shared, a.generate)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    return serve(srv, a.port_file)


if __name__ == "__main__":
    sys.exit(main())
