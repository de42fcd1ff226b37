#!/usr/bin/env python3
"""Split CCTV age vectors into files a shell suite can use.

    cctv_split.py VECTOR_DIR OUT_DIR

For every vector file NAME in VECTOR_DIR (README* excluded) writes
OUT_DIR/NAME/:
    body        the age file under test (inflated when `compressed: zlib`)
    identities  the `identity` lines, one per line (only when there are any)
    meta        shell assignments: expect, payload, armored, compressed,
                unknown (space-separated unknown header keys, to skip on),
                passphrases (a bash array, in file order)
and prints the vector names, one a line. The layout follows the vector
README: a `key: value` header, the first empty line, then the body.
"""

import os
import shlex
import sys
import zlib

KNOWN = {"expect", "payload", "file key", "identity", "passphrase",
         "armored", "compressed", "comment"}


def parse(raw):
    head, sep, body = raw.partition(b"\n\n")
    if not sep:
        raise ValueError("no empty line after the header")
    fields = []
    for line in head.decode("utf-8").split("\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            raise ValueError("bad header line %r" % line)
        fields.append((key, value))
    return fields, body


def first(fields, key, default=""):
    for k, v in fields:
        if k == key:
            return v
    return default


def write_vector(name, raw, out_dir):
    fields, body = parse(raw)
    unknown = sorted({k for k, _ in fields if k not in KNOWN})
    compressed = first(fields, "compressed")
    if compressed == "zlib":
        body = zlib.decompress(body)
    elif compressed:
        unknown.append("compressed=" + compressed)
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "body"), "wb") as f:
        f.write(body)
    ids = [v for k, v in fields if k == "identity"]
    if ids:
        with open(os.path.join(d, "identities"), "w") as f:
            f.write("".join(i + "\n" for i in ids))
    pws = [v for k, v in fields if k == "passphrase"]
    meta = {
        "expect": first(fields, "expect"),
        "payload": first(fields, "payload"),
        "armored": first(fields, "armored"),
        "compressed": compressed,
        "unknown": " ".join(u.replace(" ", "_") for u in unknown),
    }
    with open(os.path.join(d, "meta"), "w") as f:
        for k, v in meta.items():
            f.write("%s=%s\n" % (k, shlex.quote(v)))
        f.write("passphrases=(%s)\n" % " ".join(shlex.quote(p) for p in pws))


def main(src, out_dir):
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if name.startswith("README") or not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            raw = f.read()
        try:
            write_vector(name, raw, out_dir)
        except (ValueError, UnicodeDecodeError, zlib.error) as e:
            sys.stderr.write("cctv_split: %s: %s\n" % (name, e))
            with open(os.path.join(out_dir, name + ".broken"), "w") as f:
                f.write(str(e) + "\n")
        print(name)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
