#!/usr/bin/env python3
"""Regenerate testvectors/git/ with the real peers (not run by `make test`).

  semver.tsv   CONSTRAINT<TAB>VERSION<TAB>RESULT, RESULT from Masterminds/semver
               v3.5.0 + fluxcd/pkg/version.ParseVersion (the fluxsrc peer):
               true | false | badconstraint | badversion
  ignore.tsv   CASE<TAB>PATTERNS<TAB>PATH<TAB>d|f<TAB>FLUX<TAB>GIT
               PATTERNS is spec.ignore with "\\n" for newlines (may be "-"
               for none); FLUX is 1 when Flux's archiver leaves PATH out
               (fluxsrc archive of a real directory tree), GIT is 1 when
               `git check-ignore --no-index` reports PATH ignored by the same
               lines in a .gitignore (for comparison only: Flux is not git).

Usage: tests/gen/gen_git_vectors.py [PEERS]   (default ~/.cache/covert/peers)
"""
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEERS = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.cache/covert/peers")
FLUXSRC = os.path.join(PEERS, "fluxsrc", "fluxsrc")
OUT = os.path.join(ROOT, "testvectors", "git")

CONSTRAINTS = [
    "1.2.3", "=1.2.3", "v1.2.3", "!=1.2.3", ">1.2.3", "<1.2.3", ">=1.2.3", "<=1.2.3", "=>1.2",
    "=<1.2", "~1.2.3", "~1.2", "~1", "~>1.2", "^1.2.3", "^0.2.3", "^0.0.3", "^0.0", "^0", "^1.x",
    "1.x", "1.2.x", "1.*", "*", "x", "X", "1.2.X", ">=1.2.3 <2.0.0", ">=1.2.3, <2.0.0",
    ">= 1.2.3 , < 2", "1.2 - 1.4.5", "1.2.3 - 2", " 1 - 2 ", "1.2.3||2.x", "<1 || >=2.1 <3",
    ">=1.2.3-alpha", "^1.2.3-beta.2", "~1.2.3-rc.1", ">1.2.3-0", "1.2.3-alpha.1", "!=1.x",
    "!=1.2.x", ">1.x", ">1.2.x", "<=1.x", "<=1.2.x", ">2", "<2", "1.2.3+build", ">=01.2.3",
    "1|2", "1.2.3.4", "", "   ", "1.2,", ">=1.2 <=", "abc", ">=1.2.3 || ", "~>0", "~0.0.0",
    "^0.0.0", ">=0.0.0-0", "1 - 2 >3", "<=1.2.3-rc.1", ">x", "<x", "1.2.3 - 2.3.4 || 5",
    ">= 1.0, < 1.1.1 || 2.x", "=v1.2.3", ">=v1.2.3-rc.1+meta",
]
VERSIONS = [
    "1.2.3", "v1.2.3", "1.2.4", "1.3.0", "1.2.2", "2.0.0", "2.1.0", "0.2.3", "0.2.4", "0.3.0",
    "0.0.3", "0.0.4", "1.2.3-alpha", "1.2.3-alpha.1", "1.2.3-beta.2", "1.2.3-rc.1", "1.2.3-0",
    "1.2.3+build.5", "01.2.3", "1.02.3", "1.2", "1", "v1.2", "1.2.3.4", "1.2.3-", "1.2.3-01",
    "1.2.3-a..b", "18446744073709551615.0.0", "18446744073709551616.0.0", "3.0.0", "1.4.5",
    "1.4.6", "0.0.0", "0.1.0", "1.0.0", "1.2.3-alpha-b.c", "V1.2.3", "1.2.3-rc.1+x",
    "1.1.1", "1.1.0", "not.a.version", "1-a.b.c",
]

# A directory tree every ignore case is applied to: (path, is_dir).
TREE = [
    "kubernetes/apps/a/kustomization.yaml", "kubernetes/apps/a/cm.yaml", "kubernetes/flux/ks.yaml",
    "kubernetes/apps/b/secret.sops.yaml", "docs/README.md", "docs/img/logo.png", "README.md",
    ".github/workflows/ci.yaml", ".sops.yaml", "run.sh", "a/b/c/d.txt", "a/x.txt", "b/a/x.txt",
    "foo", "bar/foo/baz", "x.tar.gz", "deep/a/b/c/e.yaml", "space name.txt", "br[ack]et.txt",
    "q?.txt", "ünï.txt", "star*.txt", "-dash/f.yaml", "a.md/f", ".hidden/h", "node_modules/m/i.js",
]
PATTERNS = [
    "/*", "!/kubernetes", "*.yaml", "!cm.yaml", "docs/", "/docs", "*.md", "!README.md", "a/",
    "a/**", "**/c", "a/**/d.txt", "foo", "foo/", "/foo", "bar/*", "**/foo/baz", "*.png",
    "kubernetes/apps/*/", "kubernetes/**/cm.yaml", "!kubernetes/apps/a", "[ab]/x.txt", "?.txt",
    "q?.txt", "br\\[ack\\]et.txt", "space name.txt", "space\\ ", "*.tar.gz", "ü*", "*[!a].txt",
    "*[^a].txt", "[a-c]", "[]", "[", "\\", "**", "/**", "**/", "deep/**/e.yaml", "-dash",
    "!/kubernetes/apps/b", "*.md/", "star\\*.txt", ".hidden", "node_modules", "#notacomment",
    "\\#x", " lead.txt", "trail.txt   ", "*/", "/kubernetes/*/a", "apps", "a/b", "!a/b/c",
]
HAND = [
    "-", "", "/*\n!/kubernetes", "/*\n!/kubernetes/apps", "*.yaml\n!cm.yaml", "docs/\n!docs/README.md",
    "# only a comment", "\n\n", "/*\n!/kubernetes\n!/docs\n/docs/img/", "**/a\n!**/a/x.txt",
    "a/b\n!a/b/c/d.txt", "*\n!*/", "*\n!kubernetes/**",
]


def semver_vectors():
    lines = [f"{c}\t{v}" for c in CONSTRAINTS for v in VERSIONS]
    out = subprocess.run([FLUXSRC, "semver"], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True).stdout
    rows = out.splitlines()
    assert len(rows) == len(lines), (len(rows), len(lines))
    with open(os.path.join(OUT, "semver.tsv"), "w") as f:
        f.write("# CONSTRAINT\tVERSION\tRESULT (Masterminds/semver v3.5.0 via fluxsrc)\n")
        f.write("\n".join(rows) + "\n")


def all_entries():
    ents = set()
    for p in TREE:
        parts = p.split("/")
        for i in range(1, len(parts)):
            ents.add(("/".join(parts[:i]), True))
        ents.add((p, False))
    return sorted(ents)


def make_tree(d):
    for p in TREE:
        full = os.path.join(d, p)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(p + "\n")


def flux_excluded(d, patterns):
    args = [FLUXSRC, "archive", "-list"]
    if patterns is not None:
        args += ["-ignore", patterns]
    out = subprocess.run(args + [d], capture_output=True, text=True, check=True).stdout
    kept = set()
    for line in out.splitlines():
        if line[:2] in ("d ", "f "):
            kept.add(line.split(" ", 2)[2])
    return kept


def git_excluded(d, patterns, ents):
    with open(os.path.join(d, ".gitignore"), "w") as f:
        f.write(patterns or "")
    inp = "\n".join(p for p, _ in ents) + "\n"
    r = subprocess.run(["git", "-C", d, "check-ignore", "--no-index", "--stdin"], input=inp,
                       capture_output=True, text=True)
    os.remove(os.path.join(d, ".gitignore"))
    return set(r.stdout.splitlines())


def ignore_vectors():
    rnd = random.Random(20260801)
    cases = list(HAND)
    for _ in range(150):
        cases.append("\n".join(rnd.sample(PATTERNS, rnd.randint(1, 4))))
    ents = all_entries()
    rows = []
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["git", "init", "-q", d], check=True)
        make_tree(d)
        for i, pats in enumerate(cases):
            spec = None if pats == "-" else pats
            kept = flux_excluded(d, spec)
            gitx = git_excluded(d, spec, ents)
            enc = "-" if spec is None else spec.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
            for p, is_dir in ents:
                fx = 0 if p in kept else 1
                gx = 1 if p in gitx else 0
                rows.append(f"{i}\t{enc}\t{p}\t{'d' if is_dir else 'f'}\t{fx}\t{gx}")
    with open(os.path.join(OUT, "ignore.tsv"), "w") as f:
        f.write("# CASE\tPATTERNS\tPATH\td|f\tFLUX_EXCLUDED\tGIT_EXCLUDED (fluxsrc archive; git check-ignore)\n")
        f.write("\n".join(rows) + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    semver_vectors()
    ignore_vectors()


if __name__ == "__main__":
    main()
