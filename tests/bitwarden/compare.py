#!/usr/bin/env python3
"""Helpers for sdk_proof.sh: compare what the official SDK returned with what
covert printed, and read the fake server's log.

  compare.py secrets SDK_OUT COVERT_JSON      SDK getByIds data == covert list
  compare.py projects SDK_OUT COVERT_JSON     SDK projects.list == covert list
  compare.py one SDK_OUT COVERT_JSON OPINDEX   one SDK result == covert object
  compare.py vectors COVERT_JSON SHARED        covert list == expected plaintexts
  compare.py ok SDK_OUT OPINDEX                the SDK op succeeded (exit 0/1)
  compare.py field SDK_OUT OPINDEX FIELD       print data[FIELD] of an SDK op
  compare.py counts URL                        print "identity api" from /_counts
"""
import json
import sys
import urllib.request


def sdk_ops(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def by_id(items):
    return {i["id"]: i for i in items}


def same(a, b, what):
    if a != b:
        print("%s differ:\n  sdk:    %s\n  covert: %s" % (what, json.dumps(a, sort_keys=True)[:2000],
                                                      json.dumps(b, sort_keys=True)[:2000]))
        return False
    return True


def main():
    cmd = sys.argv[1]
    if cmd == "secrets" or cmd == "projects":
        ops = sdk_ops(sys.argv[2])
        with open(sys.argv[3]) as f:
            mine = json.load(f)
        want = "getByIds" if cmd == "secrets" else "list"
        for o in ops:
            op = o["op"]
            key = "secrets" if cmd == "secrets" else "projects"
            if isinstance(op, dict) and key in op and want in op[key]:
                data = o["result"]["data"]["data"]
                return 0 if same(by_id(data), by_id(mine), cmd) and len(data) > 0 else 1
        print("no SDK %s result" % want)
        return 1
    if cmd == "one":
        ops = sdk_ops(sys.argv[2])
        with open(sys.argv[3]) as f:
            mine = json.load(f)
        return 0 if same(ops[int(sys.argv[4])]["result"]["data"], mine, "object") else 1
    if cmd == "vectors":
        with open(sys.argv[2]) as f:
            mine = by_id(json.load(f))
        with open(sys.argv[3] + "/testvectors/bitwarden/sm_api_responses.json") as f:
            exp = json.load(f)["data"]["expected_get_decrypted"]
        bad = 0
        for e in exp:
            m = mine.get(e["id"])
            got = m and (m["key"], m["value"], m["note"], m["projectId"])
            if got != (e["key"], e["value"], e["note"], e["project_id"]):
                print("vector %s differs" % e["id"])
                bad += 1
        return 1 if bad or len(mine) != len(exp) else 0
    if cmd == "ok":
        ops = sdk_ops(sys.argv[2])
        i = int(sys.argv[3])
        return 0 if i < len(ops) and ops[i]["result"]["success"] else 1
    if cmd == "field":
        ops = sdk_ops(sys.argv[2])
        print(ops[int(sys.argv[3])]["result"]["data"][sys.argv[4]])
        return 0
    if cmd == "counts":
        with urllib.request.urlopen(sys.argv[2] + "/_counts") as r:
            c = json.load(r)
        print(c["identity"], c["api"])
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
