#!/usr/bin/env python3
"""The input list for tests/gen/goregex: (pattern, subjects, templates) cases
for covert's Pike VM (secrets/sops/regex_vm). Prints JSON for main.go."""
import json

GEN_SUBJ = ["", "a", "ab", "abc", "baaac", "aaa", "xyz", "abab", "a b c", "foo bar",
            "Hello World", "hello_world-1", "line1\nline2\n", "\nx\n", "a\n", "\u00e9t\u00e9",
            "caf\u00e9 au lait", "\u65e5\u672c\u8a9e", "k\u212a", "x", "xx", "", "aXbXc", "AbC"]
GEN_TMPL_SMALL = ["<$0>", "$1", "-", "${1}x"]
GEN_TMPL = ["", "-", "[$0]", "<$1>", "${1}x", "$1x", "$$", "$", "$2$1", "${name}", "$name",
            "${0}", "$10", "${", "${1", "${}", "$x$", "a$1b${1}c", "$01", "$\u00e9t\u00e9", "$1\u00e9",
            "$1\u20ac", "${first}-${second}"]

ESO_KEYS = ["DB_PASSWORD", "db/password", "app/prod/api-key", "path/to/secret", "a.b.c",
            "my key with spaces", "caf\u00e9", "token", "prefix-token", "x/y/z", "/leading", "trailing/",
            "MiXeD_Case", "123", "", "a//b", "k8s.io/name", "\u65e5\u672c/\u8a9e"]
ESO_TMPL = ["prefix-$1", "$2", "_", "${1}_${2}", "$1", "$name", "${name}-suffix", "", "$$1",
            "env_$0", "x${1}y", "$2/$1", "$0$0"]

cases = []
def c(p, subjects=None, templates=None, note=None):
    d = {"pattern": p, "subjects": GEN_SUBJ if subjects is None else subjects,
         "templates": GEN_TMPL_SMALL if templates is None else templates}
    if note:
        d["note"] = note
    cases.append(d)

def eso(p, note=None):
    c(p, ESO_KEYS, ESO_TMPL, note or "eso")

# alternation priority (leftmost-first, not leftmost-longest)
for p in ["a|ab", "ab|a", "(a|ab)(c|bcd)", "(a|ab)(c|bcd)(d*)", "(a+|b+)*", "(a|b)*", "x*|a",
          "a|b|c", "(?:a|ab)c", "(ab|a)(bc|c)", "(|a)*", "(|a)+", "(a|)*", "(a||b)", "foo|foobar",
          "(foo|foobar)$", "(a*)|b", "((a)|b)+", "(a)|(b)", "(a)|b", "b|(a)"]:
    c(p)
# greedy / lazy / (?U)
for p in ["a*", "a*?", "a+", "a+?", "a?", "a??", "(a*)(a*)", "(a*?)(a*)", "(a+?)(a*)",
          "(.*)b", "(.*?)b", "(.+)(.+)", "(.+?)(.+)", "(?U)a+", "(?U)a+?", "(?U)(a*)(a*)",
          "(?U:a*)a", "a{2}", "a{2,}", "a{2,}?", "a{1,3}", "a{1,3}?", "(a){0}", "(a){0,2}",
          "(a){2,3}?", "(ab){1,2}", "(?:a{0,})*", "(a*)*", "(a*)+", "(a?)*", "(a*?)*", "(a|b)*?c",
          "(a{2})*", "x*", "x+", "x*?", "(x*)", "(x)*", "((a)*)*", "(a*)*b", ".{0,2}", ".{2,}?"]:
    c(p)
# empty matches and ReplaceAll's rules
for p in ["", "^", "$", "\\b", "\\B", "a*", "(a*)", "b*", "(?:)", "()", "(?:a?)", "x*",
          "a*b*", "|"]:
    c(p, note="empty")
# anchors, (?m), (?s), \A \z
for p in ["^a", "a$", "^$", "^", "$", "(?m)^", "(?m)$", "(?m)^\\w+$", "(?m)^(.*)$", "^(.*)$",
          "(?s)^(.*)$", "(?s).+", ".+", "\\A\\w", "\\w\\z", "(?m)\\A.", "(?m).\\z", "(?m)^$",
          "(?m:^x)", "(?m)^line\\d$", "(?-m)^line", "^\\n", "\\n$", "(?m)$\\n"]:
    c(p, note="anchors")
# word boundaries
for p in ["\\b", "\\B", "\\bab", "ab\\b", "\\b\\w+\\b", "\\B\\w\\B", "\\b(\\w)", "(\\w+)\\b",
          "\\b.", "\u00e9\\b", "\\b\u00e9"]:
    c(p, note="word")
# classes, UTF-8, case folding
for p in [".", "(.)", "[^a]", "[a-c]+", "[^\\n]+", "\\w+", "\\W+", "\\d+", "\\D", "\\s", "\\S+",
          "[[:alpha:]]+", "[[:^alpha:]]", "[\u00e0-\u00ff]+", "[^\u00e9]", "\u65e5.", "(?i)ab",
          "(?i)k", "(?i)[a-c]+", "(?i:h)ello", "(?i)HELLO\\s(world)", "[\u65e5\u672c]+", "\\x{e9}",
          "(?i)\u212a", "(?i)s", ".\u00e9", "\\Qa.b\\E", "[\\x00-\\x{10FFFF}]", "[^\\x00-\\x{10FFFF}]"]:
    c(p, note="classes")
# (?i) beyond ASCII (Unicode simple folding; the POSIX path refuses these)
FOLD_SUBJ = ["\u00c9t\u00e9", "\u03a3\u03c3\u03c2", "STRASSE stra\u00dfe", "\u212a k K",
             "\u017f s S", "\u0130 i \u0131 I", "\u00b5\u039c\u03bc", "\u1e9e\u00df",
             "\u0410\u0430\u0411\u0431", "\u01c4\u01c5\u01c6", "\U00010400\U00010428", "abc"]
for p in ["(?i)\u00e9", "(?i)\u03c3+", "(?i)[\u00e0-\u00ff]+", "(?i)[^\u00e9]", "(?i)\u00df",
          "(?i)[\u0400-\u04ff]+", "(?i)\u01c5", "(?i)\u00b5", "(?i)\U00010428", "(?i)[k-s]+",
          "(?i)i", "(?i)[^k]", "(?i)[\\x{80}-\\x{10FFFF}]+", "(?i)(\u03c3)(\u03c2)", "(?i)\\w+"]:
    c(p, FOLD_SUBJ, ["<$0>", "$1"], note="fold")
# named groups and template names
for p in ["(?P<name>a+)", "(?<name>\\w+)", "(?P<first>\\w+) (?P<second>\\w+)",
          "(?P<name>x)|(?P<name>a)", "(?P<name>a)?(?P<name>b)", "(?P<x>a)(?P<x1>b)",
          "(?P<n1>.)(?P<n2>.)", "(?<first>[a-z]+)_(?<second>[a-z]+)", "(?P<1x>a)", "(?P<10>a)"]:
    c(p, templates=GEN_TMPL, note="named")
# template expansion corner cases
for p in ["(a)(b)?", "(\w)(\w)(\w)(\w)(\w)(\w)(\w)(\w)(\w)(\w)(\w)", "(?P<name>.)"]:
    c(p, ["abcdefghijkl", "a", "ab", ""], GEN_TMPL + ["$11", "${11}", "$1$", "$ 1", "$-1",
      "${1}}", "${name}}", "${na me}", "$name-$name", "$_", "${_}", "$1_", "$١", "$1١"],
      note="template")
# nested and optional groups
for p in ["((a)(b)?)+", "(a(b(c)?)?)", "(a)?(b)", "((a)|(b))*", "(((a)))", "(a(b)*)*",
          "(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)", "(?:(a)|(b))+", "(a)|((b))", "((a|b)c)?"]:
    c(p, note="nested")
# ESO rewrites seen in the wild
for p in ["^(.*)$", "[^a-zA-Z0-9_]", "(.*)/(.*)", "^db/(.*)", "^(?P<name>.*)$", "/", "-",
          "^(.+?)/", "(.*?)/(.*)", "^([^/]+)/([^/]+)$", "[^A-Za-z0-9_.-]", "\\.", "^",
          "$", "(?i)^db_", "^path/to/(.*)", "^app/(?<env>[a-z]+)/(.*)$", "[/.]", "^_+|_+$",
          "(^|/)([a-z])", "\\s+", "^(.*)-token$"]:
    eso(p)
# invalid UTF-8 and NUL in subjects (hex: JSON cannot carry them)
BAD = ["ff", "61ff62", "c3", "61c3", "e282", "e2826162", "80", "f4908080", "eda080",
       "c0af", "00", "6100620a", "c3a9ff", "ff0a61", "5f80"]
for p in [".", "(.)", "[^a]", "\\b", "\\B", "a*", "\\w+", "\\x{fffd}", "(?s).", "[\\x00-\\x{10FFFF}]",
          "(?m)^", "(?m)$", "", "^(.*)$", "[^a-zA-Z0-9_]", "\\W", "\\x00"]:
    cases.append({"pattern": p, "subjects": [], "subjects_hex": BAD,
                  "templates": ["<$0>", "$1", "-"], "note": "bytes"})
# patterns that make a backtracking engine exponential: linear here
for p in ["(x+x+)+y", "(a|aa)*b", "(a*)*$", "(?:a?){30}a{30}", "(.*a){12}"]:
    c(p, ["x" * 3000, "x" * 3000 + "y", "a" * 30, "a" * 2000 + "b", "ab" * 500],
      ["-", "<$1>"], note="linear")
# invalid patterns: Go's error
for p in ["(", ")", "a**", "[a", "x{1001}", "\\8", "(?P<>a)", "(?P<a-b>x)", "*", "a{2,1}",
          "(?i", "[z-a]", "(?<n>"]:
    c(p, ["a"], ["x"], note="error")

print(json.dumps(cases, ensure_ascii=False, indent=1))
