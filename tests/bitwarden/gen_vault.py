#!/usr/bin/env python3
"""Encrypt a plaintext vault fixture into what a Bitwarden server stores.

The Password Manager key hierarchy (reference section 3, checked against
../shared/testvectors/bitwarden/pm_key_hierarchy.json by --check):
master key = PBKDF2-SHA256(password, lower(trim(email)), n, 32); server
hash = base64 PBKDF2-SHA256(master key, password, 1); stretched key =
HKDF-Expand(master, "enc") || HKDF-Expand(master, "mac"); the user key is a
type-2 EncString under the stretched key, the RSA private key (PKCS#8) a
type-2 EncString under the user key, an organization key a type-4
(RSA-OAEP-SHA1) EncString under the user's public key, and item strings are
type-2 under the organization key (organizationId set) or the user key.

  gen_vault.py --check [--shared DIR]      verify against the vectors
  gen_vault.py FIXTURE.json OUT.json       encrypt a fixture (fresh keys)

FIXTURE: {"email","password","kdfIterations","organizations":[{"id","name"}],
"items":[{"id","type","name","notes","organizationId","deleted","favorite",
"login":{"username","password","totp","uris":[...]},"fields":[{"name",
"value","type"}]}]}. OUT is what fake_vault.py serves.
"""
import base64
import hashlib
import hmac
import json
import os
import sys

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as apad, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_server import b64, encrypt  # noqa: E402  (shared EncString helper)


def master_key(password, email, iterations):
    salt = email.strip().lower().encode()
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, 32)


def server_hash(mk, password):
    return b64(hashlib.pbkdf2_hmac("sha256", mk, password.encode(), 1, 32))


def hkdf_expand(prk, info, n=32):
    out, block, i = b"", b"", 1
    while len(out) < n:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:n]


def stretch(mk):
    return hkdf_expand(mk, b"enc") + hkdf_expand(mk, b"mac")


def encrypt_bytes(key, data):
    """Type-2 EncString of raw bytes (the user key, the private key)."""
    iv = os.urandom(16)
    p = padding.PKCS7(128).padder()
    ct = Cipher(algorithms.AES(key[:32]), modes.CBC(iv)).encryptor()
    body = ct.update(p.update(data) + p.finalize()) + ct.finalize()
    mac = hmac.new(key[32:], iv + body, hashlib.sha256).digest()
    return "2.%s|%s|%s" % (b64(iv), b64(body), b64(mac))


def decrypt(key, enc):
    head, rest = enc.split(".", 1)
    if head == "4":
        return None
    iv, ct, mac = (base64.b64decode(x) for x in rest.split("|"))
    want = hmac.new(key[32:], iv + ct, hashlib.sha256).digest()
    if head != "2" or not hmac.compare_digest(want, mac):
        raise ValueError("bad EncString")
    d = Cipher(algorithms.AES(key[:32]), modes.CBC(iv)).decryptor()
    u = padding.PKCS7(128).unpadder()
    return u.update(d.update(ct) + d.finalize()) + u.finalize()


def rsa_unwrap(pkcs8, enc):
    priv = serialization.load_der_private_key(pkcs8, None)
    ct = base64.b64decode(enc.split(".", 1)[1].split("|")[0])
    return priv.decrypt(ct, apad.OAEP(apad.MGF1(hashes.SHA1()), hashes.SHA1(), None))


def rsa_wrap(public, data):
    ct = public.encrypt(data, apad.OAEP(apad.MGF1(hashes.SHA1()), hashes.SHA1(), None))
    return "4." + b64(ct)


def check(shared):
    path = os.path.join(shared, "testvectors", "bitwarden", "pm_key_hierarchy.json")
    with open(path) as f:
        cases = json.load(f)["cases"]
    bad = 0
    for c in cases:
        n = c["kdf"]["iterations"]
        if c["kind"] == "server_auth_hash_pbkdf2":
            for e in c["emails"]:
                bad += server_hash(master_key(c["password"], e, n), c["password"]) != c["expect_hash_b64"]
            continue
        mk = master_key(c["password"], c["email"], n)
        bad += b64(mk) != c["expect_master_key_b64"]
        bad += server_hash(mk, c["password"]) != c["expect_server_auth_hash_b64"]
        sk = stretch(mk)
        bad += b64(sk) != c["expect_stretched_key_b64"]
        uk = decrypt(sk, c["user_key_encstring"])
        bad += b64(uk) != c["expect_user_key_b64"]
        pk = decrypt(uk, c["private_key_encstring"])
        bad += b64(pk) != c["expect_private_key_pkcs8_der_b64"]
        ok = rsa_unwrap(pk, c["org_key_encstring_type4_rsa_oaep_sha1"])
        bad += b64(ok) != c["expect_org_key_b64"]
        keys = {"user": uk, "org": ok}
        for fcase in c.get("cipher_fields", []):
            bad += decrypt(keys[fcase["key"]], fcase["encstring"]).decode() != fcase["plaintext"]
        # our encryption must read back under the same hierarchy
        bad += decrypt(sk, encrypt_bytes(sk, uk)) != uk
    print("gen_vault: key hierarchy %s" % ("ok" if bad == 0 else "MISMATCH (%d)" % bad))
    return 1 if bad else 0


def enc_opt(key, s):
    return None if s is None else encrypt(key, s)


def cipher(item, keys, now):
    key = keys[item.get("organizationId") or "user"]
    login = item.get("login")
    out = {
        "id": item["id"], "organizationId": item.get("organizationId"),
        "folderId": None, "type": item["type"], "data": None,
        "name": encrypt(key, item["name"]), "notes": enc_opt(key, item.get("notes")),
        "fields": [{"type": f["type"], "name": enc_opt(key, f["name"]),
                    "value": enc_opt(key, f.get("value")), "linkedId": None}
                   for f in item.get("fields", [])] or None,
        "attachments": None, "organizationUseTotp": True, "revisionDate": now,
        "creationDate": now, "deletedDate": now if item.get("deleted") else None,
        "archivedDate": None, "edit": True, "viewPassword": True,
        "permissions": {"delete": True, "restore": True},
        "favorite": item.get("favorite", False), "reprompt": 0,
        "collectionIds": [], "key": None, "passwordHistory": None,
        "object": "cipherDetails", "login": None, "secureNote": None,
        "card": None, "identity": None, "sshKey": None,
    }
    if login is not None:
        out["login"] = {
            "username": enc_opt(key, login.get("username")),
            "password": enc_opt(key, login.get("password")),
            "totp": enc_opt(key, login.get("totp")),
            "passwordRevisionDate": None, "autofillOnPageLoad": None,
            "fido2Credentials": None,
            "uris": [{"uri": encrypt(key, u), "uriChecksum": None, "match": None}
                     for u in login.get("uris", [])],
        }
    if item["type"] == 2:
        out["secureNote"] = {"type": 0}
    return out


def generate(fixture, out):
    with open(fixture) as f:
        fx = json.load(f)
    n = fx["kdfIterations"]
    mk = master_key(fx["password"], fx["email"], n)
    uk = os.urandom(64)
    priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = priv.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    pub = priv.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    keys = {"user": uk}
    orgs = []
    for o in fx.get("organizations", []):
        keys[o["id"]] = os.urandom(64)
        orgs.append({"id": o["id"], "name": o["name"],
                     "key": rsa_wrap(priv.public_key(), keys[o["id"]])})
    now = "2026-01-02T03:04:05.678Z"
    vault = {
        "email": fx["email"], "name": fx.get("name", "covert"), "userId": fx["userId"],
        "kdfIterations": n, "serverHash": server_hash(mk, fx["password"]),
        "key": encrypt_bytes(stretch(mk), uk), "privateKey": encrypt_bytes(uk, der),
        "publicKey": b64(pub), "organizations": orgs,
        "ciphers": [cipher(i, keys, now) for i in fx["items"]],
        "apiKey": fx.get("apiKey"),
    }
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(vault, f, indent=1)
    os.rename(tmp, out)
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "--check":
        shared = argv[3] if len(argv) > 3 and argv[2] == "--shared" else \
            os.environ.get("COVERT_SHARED", "../shared")
        return check(shared)
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    return generate(argv[1], argv[2])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
