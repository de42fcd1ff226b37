#!/usr/bin/env python3
"""A loopback fake Bitwarden Password Manager server, enough for the `bw` CLI.

Serves exactly what the official CLI (@bitwarden/cli, see tests/peers/build.sh)
asks for during `bw config server`, `bw login` (password or --apikey),
`bw unlock`, `bw sync` and `bw serve`: the server config, prelogin (PBKDF2),
connect/token, the account profile and the vault sync. The vault is the
encrypted form of a plaintext fixture made by gen_vault.py. Every request is
logged (GET /_log) so the test can show which endpoints the CLI used;
unknown routes answer 404 and are logged too.

  fake_vault.py --port-file FILE --vault VAULT.json --cert PEM --key PEM

Listens with TLS (the CLI refuses any non-https server URL) on 127.0.0.1 on
a free port (written to FILE once listening); the CLI trusts the test's
self-signed certificate through NODE_EXTRA_CA_CERTS.
"""
import argparse
import json
import os
import ssl
import sys
import threading
import time
import uuid
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_server import Dispatching, b64url, serve  # noqa: E402  (shared with the SM fake)

VAULT = {}
REVISION_MS = 1767323045678  # 2026-01-02T03:04:05.678Z, the items' revisionDate
LOG = []
LOCK = threading.Lock()


def jwt(claims):
    head = b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    return "%s.%s.%s" % (head, b64url(json.dumps(claims).encode()), b64url(b"fake-signature"))


def access_token():
    now = int(time.time())
    return jwt({"nbf": now, "exp": now + 3600, "iss": "http://localhost|login",
                "sub": VAULT["userId"], "email": VAULT["email"], "name": VAULT["name"],
                "email_verified": True, "premium": True, "amr": ["Application"],
                "client_id": "cli", "scope": ["api", "offline_access"],
                "device": "covert-test", "sstamp": "stamp"})


def kdf_obj():
    return {"kdfType": 0, "iterations": VAULT["kdfIterations"], "memory": None,
            "parallelism": None}


def account_keys():
    """A v1 account: an RSA key pair, no signing key or security state."""
    return {"publicKeyEncryptionKeyPair": {"publicKey": VAULT["publicKey"],
                                           "wrappedPrivateKey": VAULT["privateKey"],
                                           "signedPublicKey": None},
            "signatureKeyPair": None, "securityState": None,
            "object": "privateKeys"}


def token_reply():
    k = kdf_obj()
    return {"AccountKeys": account_keys(),
        "access_token": access_token(), "expires_in": 3600, "token_type": "Bearer",
        "refresh_token": "refresh-" + uuid.uuid4().hex, "scope": "api offline_access",
        "Key": VAULT["key"], "PrivateKey": VAULT["privateKey"],
        "Kdf": 0, "KdfIterations": VAULT["kdfIterations"], "KdfMemory": None,
        "KdfParallelism": None, "ForcePasswordReset": False, "ResetMasterPassword": False,
        "MasterPasswordPolicy": {"Object": "masterPasswordPolicy"},
        "UserDecryptionOptions": {
            "HasMasterPassword": True, "Object": "userDecryptionOptions",
            "MasterPasswordUnlock": {
                "Kdf": {"KdfType": 0, "Iterations": k["iterations"], "Memory": None,
                        "Parallelism": None},
                "MasterKeyEncryptedUserKey": VAULT["key"], "Salt": VAULT["email"]}},
    }


def org_profile(o):
    return {"id": o["id"], "name": o["name"], "key": o["key"], "status": 2, "type": 0,
            "enabled": True, "usePolicies": True, "useGroups": True, "useTotp": True,
            "useApi": True, "selfHost": True, "seats": 10, "maxCollections": None,
            "maxStorageGb": 1, "userId": VAULT["userId"], "usersGetPremium": True,
            "permissions": {}, "accessSecretsManager": False, "object": "profileOrganization"}


def profile():
    return {"id": VAULT["userId"], "name": VAULT["name"], "email": VAULT["email"],
            "emailVerified": True, "premium": True, "premiumFromOrganization": False,
            "masterPasswordHint": None, "culture": "en-US", "twoFactorEnabled": False,
            "key": VAULT["key"], "privateKey": VAULT["privateKey"],
            "accountKeys": account_keys(), "securityStamp": "stamp", "forcePasswordReset": False,
            "usesKeyConnector": False, "avatarColor": None,
            "creationDate": "2026-01-01T00:00:00.000Z", "verifyDevices": False,
            "organizations": [org_profile(o) for o in VAULT["organizations"]],
            "providers": [], "providerOrganizations": [], "object": "profile"}


def sync():
    return {"profile": profile(), "folders": [], "collections": [],
            "ciphers": VAULT["ciphers"], "domains": None, "policies": [], "sends": [],
            "userDecryption": {"masterPasswordUnlock": token_reply()["UserDecryptionOptions"]
                               ["MasterPasswordUnlock"]},
            "object": "sync"}


def config():
    return {"version": "2026.9.0", "gitHash": "covert", "server": None,
            "environment": {"vault": "", "api": "", "identity": "", "notifications": "",
                            "sso": ""},
            "featureStates": {}, "push": {"pushTechnology": 0},
            "settings": {"disableUserRegistration": True}, "object": "config"}


class Handler(Dispatching):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj):
        body = json.dumps(obj).encode() if obj is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.status = status

    def dispatch(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        parts = urlsplit(self.path)
        self.status = 0
        with LOCK:
            try:
                self.route(parts.path.rstrip("/"), parse_qs(parts.query), raw)
            finally:
                if not parts.path.startswith("/_"):
                    grant = parse_qs(raw.decode("utf-8", "replace")).get("grant_type")
                    LOG.append({"method": self.command, "path": parts.path,
                                "status": self.status, "grant": grant and grant[0]})

    def route(self, path, query, raw):
        if path == "/_log":
            return self.reply(200, LOG)
        if path in ("/api/config", "/config"):
            return self.reply(200, config())
        if path in ("/identity/accounts/prelogin", "/identity/accounts/prelogin/password",
                    "/api/accounts/prelogin"):
            k = kdf_obj()
            return self.reply(200, {"kdf": 0, "kdfIterations": k["iterations"],
                                    "kdfMemory": None, "kdfParallelism": None,
                                    "kdfSettings": k, "salt": VAULT["email"]})
        if path == "/identity/connect/token":
            return self.token(parse_qs(raw.decode()))
        if path == "/api/accounts/profile":
            return self.reply(200, profile())
        if path == "/api/sync":
            return self.reply(200, sync())
        if path == "/api/accounts/key-management/user-key-id":
            # the CLI's key-id backfill after unlock; accepted and forgotten
            return self.reply(200, None)
        if path == "/api/accounts/revision-date":
            # fixed (the vault never changes), so a client that has synced
            # once has no reason to sync again
            return self.reply(200, REVISION_MS)
        return self.reply(404, {"message": "Resource not found.", "object": "error"})

    def token(self, form):
        grant = (form.get("grant_type") or [""])[0]
        one = {k: v[0] for k, v in form.items()}
        ok = False
        if grant == "password":
            ok = one.get("username", "").lower() == VAULT["email"] and \
                one.get("password") == VAULT["serverHash"]
        elif grant == "client_credentials":
            api = VAULT.get("apiKey") or {}
            ok = one.get("client_id") == api.get("clientId") and \
                one.get("client_secret") == api.get("clientSecret")
        elif grant == "refresh_token":
            ok = True
        if not ok:
            return self.reply(400, {"error": "invalid_grant",
                                    "error_description": "invalid_username_or_password",
                                    "ErrorModel": {"Message": "Username or password is incorrect. Try again.",
                                                   "Object": "error"}})
        return self.reply(200, token_reply())


def main():
    global VAULT
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--vault", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    a = ap.parse_args()
    with open(a.vault) as f:
        VAULT = json.load(f)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    return serve(srv, a.port_file)


if __name__ == "__main__":
    sys.exit(main())
