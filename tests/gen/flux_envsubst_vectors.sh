#!/usr/bin/env bash
# Regenerate testvectors/flux/envsubst.json (and reconcile/flux/envsubst_unicode.inc): every case below evaluated by
# Flux's own fluxcd/pkg/envsubst v1.7.0 (through tests/peers/fluxbuild, the
# way kustomize_varsub.go calls it: strict mode reports undefined variables,
# non-strict maps them to ""). tests/unit/test_envsubst.c checks covert's
# cv_envsubst against every result (value, or the kind of error).
#
#   tests/gen/flux_envsubst_vectors.sh [FLUXBUILD]
#
# Cases: hand-written ones for every operator and quirk, then a seeded batch
# of random strings over the dialect's special characters (both modes).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
: "${PEERS:=$HOME/.cache/covert/peers}"
FLUXBUILD=${1:-$PEERS/fluxbuild-1.9.4/fluxbuild}
[ -x "$FLUXBUILD" ] || "$ROOT/tests/peers/build.sh" >/dev/null
# The Unicode tables cv_envsubst uses (letters, digits, case mapping), from
# the Go toolchain the peer is built with.
"$FLUXBUILD" unicode-tables > "$ROOT/reconcile/flux/envsubst_unicode.inc"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp/cases.json" <<'PY'
import base64, json, random, sys

V = {
    "A": "hello", "E": "", "N": "ÄbÇdé", "P": "path/to/file.tar.gz",
    "S": "a.b.c", "X": "HeLLo WoRLD", "DOLLAR": "$x", "NUM": "2", "NEG": "-2",
    "BIG": "9223372036854775807", "SP": "a b  c", "STAR": "a*b?c[d]",
    "ÄB": "unicode-name", "A٣": "arabic-digit-name", "_u1": "underscore",
    "GR": "ςσΣ", "SPECIAL": "ǅǆǄ ıİ Kſ ß ﬀ", "SL": "a/b\\c", "NL": "x",
    "BR": "{}", "ONE": "1", "Z": "0",
}
hand = """${A}
pre ${A} post
$A
$
x$
$$
$$$
$$$$
$${A}
$$A
$$HOME and $${A} and a$$$b
${A}$${A}$$
\\${A}
${A}}
}${A}{
${
${A
${}
${ A}
${A }
${1A}
${_u1}
${ÄB}
${A٣}
${A.B}
${A-b}
${A+b}
${A?b}
${U-b}
${A=b}
${U=b}
${E=b}
${A:=b}
${U:=b}
${E:=b}
${A:-b}
${U:-b}
${E:-b}
${A:+b}
${U:+b}
${E:+b}
${A:?b}
${U:?b}
${U:-}
${U=}
${A=}
${U:-${A}}
${U:-${V:-deep}}
${U:-${V:-${W:-${A}}}}
${U:-a${A}b}
${U:-a b c}
${U:-{}}
${U:-}}
${U:-$}
${U:-$$}
${U:-$${A}}
${U:-a\\}b}
${U:-a\\/b}
${U:-:}
${U:-${A}${S}}
${U:-x${A:-y}z}
${U:-${A/l/L}}
${#A}
${#U}
${#E}
${#N}
${#}
${##A}
${#A:-x}
${#A}}
${A^}
${A^^}
${X,}
${X,,}
${N^^}
${N,,}
${E^}
${GR^^}
${GR,,}
${SPECIAL^^}
${SPECIAL,,}
${SPECIAL^}
${SPECIAL,}
${A^^^}
${A,,,}
${A^,}
${A,^}
${A:0}
${A:1}
${A:4}
${A:5}
${A:10}
${A:1:2}
${A:1:0}
${A:0:0}
${A:1:100}
${A:4:1}
${A:5:1}
${A:1:4}
${A:2:3}
${A: -2}
${A: -10}
${A:${NEG}}
${A:${NEG}:1}
${A:-2}
${A:x}
${A:1:x}
${A:01}
${A:+1}
${A:1:+2}
${A:1:2:3}
${A: 1}
${A:1: 2}
${A:${NUM}}
${A:1:${NUM}}
${A:${U}}
${A:${E}}
${A:1:-1}
${A:0:-1}
${A:3:-1}
${A:7:-1}
${A:0:${BIG}}
${A:1:${BIG}}
${A:99999999999999999999}
${A:1:99999999999999999999}
${A:-9223372036854775808}
${A: -9223372036854775808}
${A: -9223372036854775808:2}
${A:é}
${A:é:1}
${A:1:é}
${ÄB:é}
${A:1é}
${A:}
${A:1:}
${A::}
${N:1}
${N:1:2}
${N:0:1}
${P#*/}
${P##*/}
${P%.*}
${P%%.*}
${P%/*}
${P%%/*}
${P#path}
${P#nothing}
${P##p*}
${P%gz}
${P#?}
${P%?}
${P#??}
${P#[a-p]}
${P#[^x]*}
${P#[!x]}
${P%[.]*}
${P%[a-z]}
${P#[}
${P#[a}
${P#[a-}
${P#[]a]}
${P#[\\]]}
${P#\\p}
${P#p\\}
${P#*}
${P##*}
${P%*}
${P%%*}
${P#*t*}
${P##*t*}
${P%t*}
${P%%t*}
${P#*/*/}
${P%/*/*}
${STAR#a\\*}
${STAR#a[*]}
${STAR%\\]}
${STAR%[]]}
${N#Ä}
${N#?}
${N%é}
${N%?}
${N#[Ä]}
${N%[é]}
${A#}
${A%}
${A##}
${A###}
${A#${S}}
${A#h${U:-e}}
${A%%l*}
${S/./-}
${S//./-}
${S/#a/X}
${S/%c/X}
${S/#b/X}
${S/%b/X}
${S/#a}
${S/%c}
${S/./}
${S//./}
${S//.}
${S/.}
${S/x/y}
${S/*/x}
${STAR/*/x}
${STAR//?/x}
${P/\\//_}
${P//\\//_}
${SL/\\\\/_}
${SL//\\//-}
${A/l/\\\\}
${A/l/\\/}
${A/l/${S}}
${A/${U}/x}
${A//${U}/x}
${N//${U}/-}
${A/#${U}/x}
${A/%${U}/x}
${A/l/$$}
${A/$$/x}
${DOLLAR/$$/y}
${A/l/${U:-L}}
${A//l/${U:-L}}
${A/}
${A//}
${A///}
${A/l}
${A/l/}
${A/l/x/y}
${A/l/x}y}
${A//l/}
${A/#}
${A/%}
${A/h/}
${ARR[@]}
${CURL_CMD[@]}
${A[0]}
${$$}
${A@}
${!A}
${*}
${@}
${A|b}
${A:-x}y${U:-z}
key: ${A}\\nother: ${U:=d}\\n
${A}${A}${A}
${U}
${U^^}
${U,}
${U:1}
${U#x}
${U/x/y}
${U:-${V}}
${U=${V}}
${A:${V}}
${A/${V}/x}
${V} ${
${V} ${A.}
$${U}
$$${U:-d}
${NL}
${BR}
${SP}
${A}\x00${A}
a\x00b${
${U:-a\x00b}
\x00
""".split("\n")[:-1]

cases = []
def add(s, strict, name=""):
    c = {"vars": V, "strict": strict}
    if name:
        c["name"] = name
    b = s.encode("utf-8", "surrogateescape")
    try:
        b.decode("utf-8")
        c["input"] = s
    except UnicodeDecodeError:
        c["input_b64"] = base64.b64encode(b).decode()
    cases.append(c)

for line in hand:
    s = line.replace("\\x00", "\x00").replace("\\n", "\n")
    add(s, False)
    add(s, True)

# Invalid UTF-8 in the input and in values.
for raw in [b"\xff${A}", b"${A}\xc3", b"a\xe2\x82${U:-\xff}", b"${A/l/\xfe}",
            b"\xed\xa0\x80${A}", b"${B\xff}"]:
    for st in (False, True):
        add(raw.decode("utf-8", "surrogateescape"), st)
for expr in ["${BAD^^}", "${BAD,}", "${BAD%x}", "${BAD%%b}", "${BAD#?}", "${#BAD}", "${BAD:1}",
             "${BAD/b/c}", "${BAD//${U}/-}", "${BAD}"]:
    cases.append({"vars": {}, "vars_b64": {"BAD": base64.b64encode(b"a\xffb\xe2\x82").decode()},
                  "strict": False, "input": expr, "name": "invalid-utf8-value"})

rng = random.Random(20260901)
alphabet = ["$", "$", "{", "}", "{", "}", ":", "-", "=", "+", "?", "#", "%", "/",
            "^", ",", "\\", "*", "[", "]", "!", "A", "S", "U", "E", "N", "P", "l",
            ".", "a", "1", "0", " ", "é", "x"]
for i in range(700):
    n = rng.randint(1, 14)
    s = "".join(rng.choice(alphabet) for _ in range(n))
    if rng.random() < 0.7:
        s = "${" + s
    add(s, rng.random() < 0.5, "random")

json.dump(cases, open(sys.argv[1], "w"), ensure_ascii=False)
PY

"$FLUXBUILD" envsubst "$tmp/cases.json" > "$tmp/out.json"
mv "$tmp/out.json" "$ROOT/testvectors/flux/envsubst.json"
# Variable names through the regexp Flux checks them with.
python3 -c 'import json; print(json.dumps(["A", "_", "_a1", "SECRET_DOMAIN", "a9_Z", "", "1A", "A-B",
    "Ä", "A.B", "A\n", " A", "A$", "a b", "A٣", "__", "Z9", "9", "_9", "A\u0000"]))' > "$tmp/names.json"
"$FLUXBUILD" varnames "$tmp/names.json" > "$ROOT/testvectors/flux/varnames.json"
python3 - "$ROOT/testvectors/flux/envsubst.json" <<'PY'
import json, sys, collections
v = json.load(open(sys.argv[1]))
k = collections.Counter(c.get("error_kind", "value") for c in v)
print(f"testvectors/flux/envsubst.json: {len(v)} cases", dict(k))
PY
