#!/usr/bin/env python3
"""Derive the seed corpora of fuzz_age_header and fuzz_armor.

fuzz_age_header: the header (through the MAC line) plus the next 16 bytes of
  the small, uncompressed, binary CCTV age vectors (../shared/testvectors/age
  or $COVERT_SHARED/testvectors/age), at most 40 of them.
fuzz_armor: the small armored inputs of testvectors/armor (kind: dec) and of
  the armored CCTV vectors, each behind one byte that picks the fuzzer's read
  size, at most 40 of them.

Usage: tests/fuzz/make_seeds.py   (rewrites tests/fuzz/corpus/fuzz_{age_header,armor})
"""
import hashlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("COVERT_SHARED", os.path.join(ROOT, "..", "shared"))
CCTV = os.path.join(SHARED, "testvectors", "age")
ARMOR = os.path.join(ROOT, "testvectors", "armor")
MAX_SEEDS = 40


def split_vector(path):
    data = open(path, "rb").read()
    head, _, body = data.partition(b"\n\n")
    keys = dict(l.split(b": ", 1) for l in head.split(b"\n") if b": " in l)
    return keys, body


def header_seed(body):
    end = body.find(b"\n---")
    if end < 0:
        return body[:512]
    mac_end = body.find(b"\n", end + 1)
    return body[:(mac_end + 1 if mac_end >= 0 else len(body)) + 16]


def reset(dirname):
    os.makedirs(dirname, exist_ok=True)
    for f in os.listdir(dirname):
        os.remove(os.path.join(dirname, f))


def save(dirname, data):
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(dirname, name), "wb") as f:
        f.write(data)


def header_seeds(out):
    names = sorted(os.listdir(CCTV))
    seeds = []
    for n in names:
        if n.startswith("README"):
            continue
        keys, body = split_vector(os.path.join(CCTV, n))
        if b"compressed" in keys or b"armored" in keys:
            continue
        seeds.append(header_seed(body))
    # Spread the picks over every prefix (hmac_, scrypt_, stanza_, ...).
    step = max(1, len(seeds) // MAX_SEEDS)
    for s in seeds[::step][:MAX_SEEDS]:
        save(out, s)


def armor_seeds(out):
    seeds = []
    for n in sorted(os.listdir(ARMOR)):
        if not n.startswith("dec_"):
            continue
        _, body = split_vector(os.path.join(ARMOR, n))
        if len(body) <= 2048:
            seeds.append(body)
    for n in sorted(os.listdir(CCTV)):
        keys, body = split_vector(os.path.join(CCTV, n)) if not n.startswith("README") else ({}, b"")
        if keys.get(b"armored") == b"yes" and b"compressed" not in keys and len(body) <= 2048:
            seeds.append(body)
    step = max(1, len(seeds) // MAX_SEEDS)
    for i, s in enumerate(seeds[::step][:MAX_SEEDS]):
        save(out, bytes([(i * 37) & 0xFF]) + s)


def main():
    if not os.path.isdir(CCTV):
        sys.exit("no CCTV vectors in %s (set COVERT_SHARED)" % CCTV)
    h = os.path.join(ROOT, "tests", "fuzz", "corpus", "fuzz_age_header")
    a = os.path.join(ROOT, "tests", "fuzz", "corpus", "fuzz_armor")
    reset(h)
    reset(a)
    header_seeds(h)
    armor_seeds(a)


if __name__ == "__main__":
    main()
