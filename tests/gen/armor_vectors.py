#!/usr/bin/env python3
"""Generate testvectors/armor/ by asking the reference implementation.

Three kinds of vectors, each a file of "key: value" lines, an empty line,
then a body (the same layout as the CCTV age vectors):

  kind: dec     body = armored input; age v1.3.1's armor.NewReader decides
                `expect: success` or `expect: armor failure`, and `sha256`
                is the hash of every byte it released (before the error, if
                any).
  kind: enc     body = what age v1.3.1's armor.NewWriter writes for `size`
                bytes of the pattern byte[j] = (7 * j + 3) mod 256.
  kind: detect  body = an armored age file behind some leading bytes; the
                age v1.3.1 CLI decides `expect: armored` (it decrypts,
                or its armor reader rejects it) or `expect: binary` (it parses
                the text as a binary header).

Peers: tests/peers/armor (a small Go program over filippo.io/age/armor,
built here) and the age v1.3.1 CLI in $PEERS/age-1.3.1.

Usage: tests/gen/armor_vectors.py [OUTDIR]   (default testvectors/armor)
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEERS = os.environ.get("PEERS", os.path.expanduser("~/.cache/covert/peers"))
AGE = os.path.join(PEERS, "age-1.3.1")
PEER = os.path.join(PEERS, "armor-peer")
BEGIN = b"-----BEGIN AGE ENCRYPTED FILE-----"
END = b"-----END AGE ENCRYPTED FILE-----"


def build_peer():
    env = dict(os.environ, GOFLAGS="-mod=mod")
    subprocess.run(["go", "build", "-o", PEER, "."], cwd=os.path.join(ROOT, "tests/peers/armor"),
                   env=env, check=True)


def pattern(n):
    return bytes((7 * j + 3) & 0xFF for j in range(n))


def stream(seed, n):
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%s/%d" % (seed.encode(), i)).digest()
        i += 1
    return out[:n]


def peer(mode, data):
    p = subprocess.run([PEER, mode], input=data, capture_output=True, check=True)
    return p.stdout


def write_vec(outdir, name, headers, body):
    with open(os.path.join(outdir, name), "wb") as f:
        for k, v in headers:
            f.write(b"%s: %s\n" % (k.encode(), v.encode()))
        f.write(b"\n")
        f.write(body)


def dec_vec(outdir, name, body, comment):
    verdict, digest = peer("dec", body).decode().split()
    expect = "success" if verdict == "ok" else "armor failure"
    write_vec(outdir, "dec_" + name,
              [("kind", "dec"), ("expect", expect), ("sha256", digest), ("comment", comment)], body)


def lines_of(armored):
    return armored.split(b"\n")[:-1]


def join(lines, eol=b"\n", last_eol=True):
    return eol.join(lines) + (eol if last_eol else b"")


def dec_cases(outdir):
    small = peer("enc", stream("small", 301))      # 6 full lines + a padded short line
    full = peer("enc", stream("full", 288))        # ends on a line boundary
    big = peer("enc", stream("big", 20000))
    ls = lines_of(small)
    short = ls[-2]
    cases = {
        "lf": (small, "plain LF armor"),
        "full_last_line": (full, "data ends on a line boundary"),
        "big_lf": (big, "many lines"),
        "big_crlf": (join(lines_of(big), b"\r\n"), "many CRLF lines"),
        "crlf": (join(ls, b"\r\n"), "CRLF everywhere"),
        "crlf_begin_only": (ls[0] + b"\r\n" + join(ls[1:]), "CRLF on the BEGIN line only"),
        "no_final_eol": (join(ls, last_eol=False), "no LF after END"),
        "end_cr_at_eof": (join(ls, last_eol=False) + b"\r", "END then CR at end of input"),
        "empty_block": (BEGIN + b"\n" + END + b"\n", "BEGIN then END"),
        "empty_input": (b"", "nothing"),
        "only_whitespace": (b" \n\n\t\n", "whitespace only"),
        "begin_at_eof": (BEGIN, "BEGIN and nothing else"),
        "begin_lf_at_eof": (BEGIN + b"\n", "BEGIN line and nothing else"),
        "missing_end": (join(ls[:-1]), "no END line"),
        "lead_lf_1024": (b"\n" * 1024 + small, "1024 bytes of leading LF"),
        "lead_lf_1025": (b"\n" * 1025 + small, "1025 bytes of leading LF"),
        "lead_spaces_1023": (b" " * 1023 + b"\n" + small, "a 1023-space line"),
        "lead_spaces_1024": (b" " * 1024 + b"\n" + small, "a 1024-space line"),
        "lead_crlf_1024": (b"\r\n" * 1024 + small, "1024 CRLF lines (CR not counted)"),
        "lead_crlf_1025": (b"\r\n" * 1025 + small, "1025 CRLF lines"),
        "lead_cr_cr_lf": (b"\r\r\n" * 10 + small, "lines holding one CR"),
        "lead_ascii_space": (b" \t\x0b\x0c \n\t\n" + small, "ASCII white space lines"),
        "lead_nbsp": (b"\xc2\xa0\n" + small, "U+00A0 line"),
        "lead_nel": (b"\xc2\x85\n" + small, "U+0085 line"),
        "lead_em_space": (b"\xe2\x80\x83 \n" + small, "U+2003 line"),
        "lead_ideographic": (b"\xe3\x80\x80\n" + small, "U+3000 line"),
        "lead_zwsp": (b"\xe2\x80\x8b\n" + small, "U+200B is not white space"),
        "lead_bom": (b"\xef\xbb\xbf" + small, "byte order mark before BEGIN"),
        "lead_nul": (b"\x00\n" + small, "NUL line"),
        "lead_garbage": (b"garbage\n" + small, "text before BEGIN"),
        "lead_space_on_begin": (b" " + small, "space before BEGIN on its line"),
        "trail_lf_1023": (small + b"\n" * 1023, "1023 bytes of trailing LF"),
        "trail_lf_1024": (small + b"\n" * 1024, "1024 bytes of trailing LF"),
        "trail_mixed": (small + b" \t\r\n\xc2\xa0\xe3\x80\x80", "mixed trailing white space"),
        "trail_garbage": (small + b"x", "a byte after END"),
        "trail_second_block": (small + small, "a second armored block"),
        "trail_nul": (small + b"\x00", "NUL after END"),
        "cr_inside_short_line": (join(ls[:-2] + [short[:5] + b"\r" + short[5:]] + ls[-1:]),
                                 "CR inside the short line (Go's base64 skips CR)"),
        "cr_cr_lf_short_line": (join(ls[:-2] + [short + b"\r\r"] + ls[-1:]),
                                "short line ending CR CR LF"),
        "cr_cr_lf_full_line": (join(ls[:1] + [ls[1] + b"\r\r"] + ls[2:]),
                               "full line ending CR CR LF (65 columns)"),
        "lone_cr_line_before_end": (join(ls[:-1] + [b"\r\r"] + ls[-1:]),
                                    "a line holding one CR after the short line"),
        "cr_line_instead_of_short": (join(lines_of(full)[:-1] + [b"\r\r"] + lines_of(full)[-1:]),
                                     "a CR-only line after full lines"),
        "trailing_space_data": (join(ls[:2] + [ls[2] + b" "] + ls[3:]), "space after a data line"),
        "leading_space_data": (join(ls[:2] + [b" " + ls[2]] + ls[3:]), "space before a data line"),
        "tab_in_data": (join(ls[:2] + [ls[2][:10] + b"\t" + ls[2][10:]] + ls[3:]), "tab inside"),
        "empty_line_after_begin": (join(ls[:1] + [b""] + ls[1:]), "empty line after BEGIN"),
        "empty_line_before_end": (join(lines_of(full)[:-1] + [b""] + lines_of(full)[-1:]),
                                  "empty line before END"),
        "crlf_empty_line": (join(ls[:1] + [b""] + ls[1:], b"\r\n"), "empty CRLF line"),
        "long_line": (join(ls[:1] + [ls[1] + ls[2][:4]] + [ls[2][4:]] + ls[3:]), "68 columns"),
        "rewrapped_60": (BEGIN + b"\n" + join([b"".join(ls[1:-1])[i:i + 60] for i in
                         range(0, len(b"".join(ls[1:-1])), 60)]) + END + b"\n", "60 columns"),
        "short_line_not_last": (join(ls[:1] + [ls[1][:32], ls[1][32:]] + ls[2:]),
                                "a short line in the middle"),
        "two_short_lines": (join(ls[:-2] + [short[:4], short[4:]] + ls[-1:]),
                            "last line split in two"),
        "no_padding": (join(ls[:-2] + [short.rstrip(b"=")] + ls[-1:]), "padding dropped"),
        "noncanonical": (join(ls[:-2] + [short[:-3] + b"R==" if short.endswith(b"==") else short]
                              + ls[-1:]), "non-zero trailing bits"),
        "padding_split": (join(ls[:-2] + [short[:-1], b"="] + ls[-1:]), "= on its own line"),
        "padding_mid_line": (join(ls[:1] + [ls[1][:8] + b"QQ==" + ls[1][12:]] + ls[2:]),
                             "padding inside a full line"),
        "padded_full_width": (peer("enc", stream("w", 47)), "47 bytes: a 64-column padded line"),
        "padded_full_then_more": (join([BEGIN, peer("enc", stream("w", 47)).split(b"\n")[1],
                                         ls[1], END]), "64-column padded line, then more"),
        "pem_header": (join(ls[:1] + [b"Key: value"] + ls[1:]), "a PEM header"),
        "checksum_line": (join(ls[:-1] + [b"=AbCd"] + ls[-1:]), "a PGP checksum line"),
        "lowercase_end": (join(ls[:-1] + [END.lower()]), "lower-case END"),
        "end_trailing_space": (join(ls[:-1] + [END + b" "]), "space after END"),
        "begin_trailing_space": (join([BEGIN + b" "] + ls[1:]), "space after BEGIN"),
        "begin_cr_cr": (join([BEGIN + b"\r\r"] + ls[1:]), "BEGIN then CR CR LF"),
        "wrong_label": (join([BEGIN.replace(b"AGE ENCRYPTED FILE", b"AGE ENCRYPTED DATA")] +
                             ls[1:-1] + [END.replace(b"FILE", b"DATA")]), "another label"),
        "nul_in_data": (join(ls[:2] + [ls[2][:7] + b"\x00" + ls[2][8:]] + ls[3:]), "NUL inside"),
        "huge_line": (join(ls[:1] + [b"A" * 5000] + ls[1:]), "a 5000-column line"),
        "huge_leading_line": (b"A" * 5000 + b"\n" + small, "a 5000-byte line before BEGIN"),
    }
    for name, (body, comment) in cases.items():
        dec_vec(outdir, name, body, comment)


def enc_cases(outdir):
    for n in (1, 2, 3, 4, 47, 48, 49, 95, 96, 97, 144, 1000, 4801):
        body = peer("enc", pattern(n))
        write_vec(outdir, "enc_%d" % n, [("kind", "enc"), ("size", str(n))], body)


def cli_armored(body, key, tmp):
    path = os.path.join(tmp, "in")
    with open(path, "wb") as f:
        f.write(body)
    p = subprocess.run([os.path.join(AGE, "age"), "-d", "-i", key, path], capture_output=True)
    # Detected as armor: it decrypts, or the armor reader rejects it.
    if p.returncode == 0 or b"invalid armor" in p.stderr:
        return True
    if b"unexpected intro" in p.stderr:
        return False
    sys.exit("unexpected age outcome: %r" % p.stderr)


def detect_cases(outdir):
    tmp = tempfile.mkdtemp()
    try:
        key = os.path.join(tmp, "key")
        subprocess.run([os.path.join(AGE, "age-keygen"), "-o", key], capture_output=True,
                       check=True)
        rcpt = subprocess.run([os.path.join(AGE, "age-keygen"), "-y", key], capture_output=True,
                              check=True).stdout.strip()
        age = subprocess.run([os.path.join(AGE, "age"), "-a", "-r", rcpt], input=b"detect me",
                             capture_output=True, check=True).stdout
        prefixes = {
            "none": b"", "lf_1": b"\n", "lf_1023": b"\n" * 1023, "lf_1024": b"\n" * 1024,
            "lf_1025": b"\n" * 1025, "spaces_1024": b" " * 1024, "tabs": b"\t\t\n",
            "crlf_512": b"\r\n" * 512, "crlf_513": b"\r\n" * 513, "vt_ff": b"\x0b\x0c\n",
            "nbsp": b"\xc2\xa0\n", "nbsp_512": b"\xc2\xa0" * 512, "nbsp_513": b"\xc2\xa0" * 513,
            "ideographic": b"\xe3\x80\x80\n", "bom": b"\xef\xbb\xbf", "zwsp": b"\xe2\x80\x8b",
            "text": b"x\n", "nul": b"\x00",
        }
        for name, pre in prefixes.items():
            verdict = "armored" if cli_armored(pre + age, key, tmp) else "binary"
            write_vec(outdir, "detect_" + name, [("kind", "detect"), ("expect", verdict)], pre + age)
    finally:
        shutil.rmtree(tmp)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "testvectors/armor")
    os.makedirs(outdir, exist_ok=True)
    for f in os.listdir(outdir):
        if f.startswith(("dec_", "enc_", "detect_")):
            os.remove(os.path.join(outdir, f))
    build_peer()
    dec_cases(outdir)
    enc_cases(outdir)
    detect_cases(outdir)


if __name__ == "__main__":
    main()
