#!/usr/bin/env python3
"""Expected creation rules for covert's .sops.yaml module (secrets/sops/config).

For every testvectors/sops-config/cases/NAME/.sops.yaml:
  tree     the document as sops's own YAML store parses it (tests/peers/sopsstore
           "yaml tree"), which the C test feeds to cv_sops_config_decode;
  results  for each file path below, what sops v3.13.2's config package says
           (tests/peers/sopscfg "config": LoadStoresConfig and
           LoadCreationRuleForFile with the config copied to DIR/.sops.yaml and
           the file at DIR/PATH, or at PATH when PATH is absolute).
Also the lookup cases (config.LookupConfigFile(".") from a directory of a
small tree). Output: testvectors/sops-config/config.json. Not run by make test.
"""
import json, os, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEERS = os.path.join(os.environ.get("PEERS", os.path.expanduser("~/.cache/covert/peers")), "sops-3.13.2")
CASES = os.path.join(ROOT, "testvectors", "sops-config", "cases")

FILES = ["kubernetes/apps/a/talos/x.sops.yaml", "talos/node.secret.sops.yaml",
         "kubernetes/apps/x.secret.sops.yaml", "kubernetes/apps/x.secret.env", "x.dev.yaml",
         "prod/a.yaml", "empty/a.yaml", "ssh/a.yaml", "a.yaml", "secrets/a.enc.yaml",
         "secrets/b.yaml", "c.YAML", "d.json", "us.yaml", "es.yaml", "ur.yaml", "uc.yaml",
         "ec.yaml", "b.yaml", "c.txt", "/elsewhere/a.yaml"]

# Lookup: files to create (relative), the directory to run from, and whether
# a directory named .sops.yaml stands in for the file.
LOOKUPS = [
    {"name": "here", "files": ["a/.sops.yaml"], "cwd": "a"},
    {"name": "parent", "files": ["a/.sops.yaml"], "cwd": "a/b/c"},
    {"name": "yml_only", "files": ["a/.sops.yml"], "cwd": "a/b"},
    {"name": "yml_then_yaml", "files": ["a/.sops.yaml", "a/b/.sops.yml"], "cwd": "a/b/c"},
    {"name": "yml_beside_yaml", "files": ["a/.sops.yaml", "a/.sops.yml"], "cwd": "a"},
    {"name": "two_yml", "files": ["a/.sops.yml", "a/b/.sops.yml"], "cwd": "a/b"},
    {"name": "nearest_wins", "files": ["a/.sops.yaml", "a/b/.sops.yaml"], "cwd": "a/b/c"},
    {"name": "directory", "files": ["a/b/.sops.yaml/"], "cwd": "a/b/c"},
]

def run(args, cwd=None):
    p = subprocess.run(args, capture_output=True, text=True, cwd=cwd)
    return p

def main():
    if not os.access(os.path.join(PEERS, "sopscfg"), os.X_OK):
        sys.exit("missing peers (make peers)")
    out = {"source": "sops v3.13.2 config package via tests/peers/sopscfg; trees via tests/peers/sopsstore",
           "cases": [], "lookups": []}
    for name in sorted(os.listdir(CASES)):
        src = os.path.join(CASES, name, ".sops.yaml")
        tmp = tempfile.mkdtemp(prefix="sopscfg-")
        try:
            shutil.copy(src, os.path.join(tmp, ".sops.yaml"))
            t = run([os.path.join(PEERS, "sopsstore"), "yaml", "tree", src])
            case = {"name": name, "tree": json.loads(t.stdout) if t.returncode == 0 else None,
                    "results": []}
            for f in FILES:
                path = f if f.startswith("/") else os.path.join(tmp, f)
                r = run([os.path.join(PEERS, "sopscfg"), "config", os.path.join(tmp, ".sops.yaml"), path])
                case["results"].append({"file": f, "out": json.loads(r.stdout)})
            out["cases"].append(case)
        finally:
            shutil.rmtree(tmp)
    for lk in LOOKUPS:
        tmp = tempfile.mkdtemp(prefix="sopslookup-")
        try:
            for f in lk["files"]:
                p = os.path.join(tmp, f)
                if f.endswith("/"):
                    os.makedirs(p, exist_ok=True)
                else:
                    os.makedirs(os.path.dirname(p), exist_ok=True)
                    open(p, "w").write("creation_rules: []\n")
            cwd = os.path.join(tmp, lk["cwd"])
            os.makedirs(cwd, exist_ok=True)
            r = run([os.path.join(PEERS, "sopscfg"), "lookup"], cwd=cwd)
            out["lookups"].append(dict(lk, out=json.loads(r.stdout)))
        finally:
            shutil.rmtree(tmp)
    with open(os.path.join(ROOT, "testvectors", "sops-config", "config.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(out['cases'])} config cases, {len(out['lookups'])} lookups")

main()
